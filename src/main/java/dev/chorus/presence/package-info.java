/**
 * Who is online in which group, on any instance: counts of subscribed sockets per user and instance in Redis,
 * transitions broadcast to every instance, and clean-up by the leader when an instance dies.
 */
package dev.chorus.presence;
