package dev.chorus.hostile;

import dev.chorus.support.Api.Session;

/**
 * What the cases aim at, made once before any case runs: an owner and a member of {@code group}; an outsider who owns
 * {@code othersGroup} and {@code othersSchedule}; the owner's {@code ownSchedule} in {@code group}; a user who logged
 * out, whose tokens must be refused. {@code proofGroup} (owner and member too) is where a socket that was sent hostile
 * frames proves it still works by a real subscribe; no case names it.
 */
record Fixture(Session owner, Session member, Session outsider, Session loggedOut, String group, String othersGroup,
        String ownSchedule, String othersSchedule, String proofGroup) {
}
