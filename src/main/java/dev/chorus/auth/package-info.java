/**
 * Who the caller is: registration, login with JWT access tokens and rotating refresh tokens, logout honoured by
 * every instance, and the per-user rate limit. Its top level is what other modules may use.
 */
package dev.chorus.auth;
