/**
 * Faults under load: {@code bin/chorus chaos SCENARIO} (and the process-level tests) start a cluster of their own,
 * run a bounded load of publishers and subscribers through it, inject one fault mid-run and judge what every
 * subscriber, history and the instances' readiness show ({@link dev.chorus.chaos.Verdict}).
 */
package dev.chorus.chaos;
