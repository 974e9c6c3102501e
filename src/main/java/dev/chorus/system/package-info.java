/** Cross-cutting set-up shared by every module: settings from the environment, instance identity, Redis key naming. */
package dev.chorus.system;
