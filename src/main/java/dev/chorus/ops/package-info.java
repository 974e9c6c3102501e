/**
 * What operators see and rely on: health endpoints, metrics, request ids, the error shape, body limits and rate
 * limits. It depends on no feature module; features register their checks with it.
 */
package dev.chorus.ops;
