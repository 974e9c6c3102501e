/**
 * Groups, their members and their messages: posting with per-group gap-free seqs and idempotent retries, and
 * history by seq. Publishes {@link dev.chorus.groups.MessagesStored} for delivery.
 */
package dev.chorus.groups;
