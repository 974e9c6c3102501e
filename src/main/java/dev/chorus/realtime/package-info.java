/**
 * The WebSocket protocol of SPEC §4: authentication, subscriptions with gap-free resume, sending, presence
 * frames, and fan-out of every stored message to every subscriber on every instance, in seq order, exactly once.
 */
package dev.chorus.realtime;
