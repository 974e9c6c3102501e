/** The cluster as a whole: instance identity and heartbeats in Redis, and configuration consistency between peers. */
package dev.chorus.cluster;
