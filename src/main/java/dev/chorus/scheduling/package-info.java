/**
 * Scheduled and recurring messages: each due occurrence is sent exactly once in the whole cluster, late rather
 * than never after an outage. Instances take turns through a distributed lock; the database guarantees the rest.
 */
package dev.chorus.scheduling;
