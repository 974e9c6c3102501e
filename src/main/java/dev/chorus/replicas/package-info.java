/**
 * Read replicas: read-only queries that need not see the caller's own writes go to a PostgreSQL replica whose
 * measured lag is within the bound, and to the primary when none is.
 */
package dev.chorus.replicas;
