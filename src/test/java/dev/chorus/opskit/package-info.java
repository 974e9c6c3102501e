/**
 * The programs behind {@code bin/chorus deploy}, {@code rollback}, {@code backup} and {@code restore}: whatever
 * measures, decides or checks (the health gate, the canary's error-rate watch, a backup's checks), so that the
 * scripts in {@code bin/lib/} only sequence commands (STYLE.md 11). Run by {@code bin/lib/common.sh}'s
 * {@code tools_java}, like the benchmark programs.
 */
package dev.chorus.opskit;
