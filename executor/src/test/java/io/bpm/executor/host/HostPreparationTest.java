package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Step.MakeDir;
import io.bpm.executor.plan.Step.OpenLog;
import io.bpm.executor.plan.Step.Owner;
import io.bpm.executor.plan.Step.RequireDir;
import io.bpm.executor.plan.Step.ShareVolume;
import io.bpm.executor.plan.Step.User;
import io.bpm.executor.plan.Step.VolumeDir;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bpm-behaviour.md §9.1 "runc adapter / Prerequisites" (user 200:300), §5.2-§5.5, and the
 * symlink defences bpm lacks. Runs as root (chown to any id); everything lives in a @TempDir.
 */
class HostPreparationTest {

    static final int UID = 200;
    static final int GID = 300;
    private static final Provenance D = Provenance.DEFAULT;

    @TempDir
    Path root;

    @BeforeEach
    void needRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: host preparation tests chown to 200:300 and need root");
    }

    // ---- the plan's host preparation, as the compiler lowers it for job "web" -------------------

    /** The host-preparation steps bpm performs for job web (§5.1-§5.2), with the given volume steps. */
    static List<Step> prep(boolean ephemeral, boolean persistent, List<Step> volumes) {
        List<Step> s = new ArrayList<>();
        s.add(new MakeDir("$ROOT/sys/run/bpm/web", 0700, Owner.ROOT, D));
        s.addAll(volumes);
        s.add(new MakeDir("$ROOT/sys/log/web", 0750, Owner.VCAP, D));
        s.add(new MakeDir("$ROOT/sys/run/web", 0700, Owner.VCAP, D));
        s.add(new MakeDir("$ROOT/data/web/tmp", 0700, Owner.VCAP, D));
        if (ephemeral) s.add(new MakeDir("$ROOT/data/web", 0700, Owner.VCAP, D));
        if (persistent) {
            s.add(new RequireDir("$ROOT/store", "requested persistent disk does not exist", Provenance.at("bpm.yml", 9, 3, "persistent_disk")));
            s.add(new MakeDir("$ROOT/store/web", 0700, Owner.VCAP, D));
        }
        s.add(new OpenLog("$ROOT/sys/log/web/web.stdout.log", 0600, Owner.VCAP, D));
        s.add(new OpenLog("$ROOT/sys/log/web/web.stderr.log", 0600, Owner.VCAP, D));
        return s;
    }

    /** Plans.valid() with its host preparation replaced. */
    static Plan plan(List<Step> prep) {
        List<Step> out = new ArrayList<>();
        for (Step s : Plans.valid().steps()) {
            if (s instanceof MakeDir || s instanceof OpenLog) continue;
            out.add(s);
            if (s instanceof User) out.addAll(prep);
        }
        return new Plan(Plans.valid().header(), out);
    }

    private BoundPlan bound(List<Step> prep) {
        return Binding.bind(plan(prep), HostFacts.of(root.toString(), UID, GID).withExists(p -> false));
    }

    private HostPreparation.Logs apply(List<Step> prep, Mounter mounter) throws PreparationException {
        return new HostPreparation(bound(prep), mounter).apply();
    }

    private HostPreparation.Logs apply(List<Step> prep) throws PreparationException {
        return apply(prep, new RecordingMounter());
    }

    // ---- §9.1 Prerequisites ----------------------------------------------------------------------

    @Test
    void createsTheJobDirectoriesWithBpmsModesAndOwners() throws Exception {
        try (HostPreparation.Logs logs = apply(prep(false, false, List.of()))) {
            assertTrue(open(logs.stdout()) && open(logs.stderr()), "both logs are open");
        }
        assertDir("sys/run/bpm/web", 0700, 0, 0);
        assertDir("sys/log/web", 0750, UID, GID);
        assertDir("sys/run/web", 0700, UID, GID);
        assertDir("data/web/tmp", 0700, UID, GID);
        assertFile("sys/log/web/web.stdout.log", 0600, UID, GID);
        assertFile("sys/log/web/web.stderr.log", 0600, UID, GID);
        // no ephemeral disk: the data dir exists only as tmp's root-owned parent
        assertDir("data/web", 0700, 0, 0);
        assertFalse(Files.exists(root.resolve("store")), "no persistent disk: no store dir");
        // missing parents are root:root 0700
        assertDir("sys", 0700, 0, 0);
        assertDir("sys/run/bpm", 0700, 0, 0);
    }

    @Test
    void ephemeralDiskChownsTheDataDir() throws Exception {
        apply(prep(true, false, List.of())).close();
        assertDir("data/web", 0700, UID, GID);
    }

    @Test
    void persistentDiskMakesTheStoreDir() throws Exception {
        Files.createDirectory(root.resolve("store"));
        apply(prep(false, true, List.of())).close();
        assertDir("store/web", 0700, UID, GID);
    }

    @Test
    void aMissingStoreIsTheRequireDirError() {
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, true, List.of())));
        assertTrue(e.getMessage().startsWith("requested persistent disk does not exist: no directory at " + root + "/store"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("[bpm.yml:9:3 persistent_disk]"), e.getMessage());
        assertTrue(e.step() instanceof RequireDir);
        assertFalse(Files.exists(root.resolve("store")));
    }

    @Test
    void additionalVolumesEndUp0700AndOwnedByTheUser() throws Exception {
        Path existing = Files.createDirectories(root.resolve("data/program/foobar"));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-------"));
        Path file = Files.createDirectories(root.resolve("data/files")).resolve("volume.txt");
        Files.writeString(file, "keep");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        apply(prep(false, false, List.of(
                volume("$ROOT/data/program/foobar"),
                volume("$ROOT/data/alternate-program"),
                volume("$ROOT/data/files/volume.txt")))).close();
        assertDir("data/program/foobar", 0700, UID, GID);
        assertDir("data/alternate-program", 0700, UID, GID);
        assertFile("data/files/volume.txt", 0640, UID, GID);
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void aMountOnlyVolumeIsNotCreated() throws Exception {
        // mount_only: the compiler emits no volume step; sharing still happens
        Files.createDirectories(root.resolve("data/shared"));
        RecordingMounter m = new RecordingMounter();
        apply(prep(false, false, List.of(share("$ROOT/data/shared"))), m).close();
        assertEquals(List.of("bind " + root + "/data/shared", "shared " + root + "/data/shared"), m.calls);
        assertFalse(Files.exists(root.resolve("data/mount-only")));
        assertDir("data/shared", 0755, 0, 0); // untouched: no volume step
    }

    @Test
    void aSharedVolumeIsSharedUnderItsLock() throws Exception {
        Files.createDirectories(root.resolve("data/shared"));
        RecordingMounter m = new RecordingMounter();
        m.lockToCheck = root.resolve("data/bpm/locks/vol-x.lock");
        apply(prep(false, false, List.of(share("$ROOT/data/shared"), volume("$ROOT/data/shared"))), m).close();
        assertEquals(List.of("bind " + root + "/data/shared", "shared " + root + "/data/shared"), m.calls);
        assertEquals(List.of(true, true), m.lockHeld, "the volume lock is held while mounting");
        assertDir("data/shared", 0700, UID, GID);
        assertFile("data/bpm/locks/vol-x.lock", 0600, 0, 0);
        assertDir("data/bpm/locks", 0700, 0, 0);
    }

    @Test
    void anExistingMountPointIsOnlyMadeShared() throws Exception {
        Files.createDirectories(root.resolve("data/shared"));
        RecordingMounter m = new RecordingMounter();
        m.mountPoint = true;
        apply(prep(false, false, List.of(share("$ROOT/data/shared"))), m).close();
        assertEquals(List.of("shared " + root + "/data/shared"), m.calls);
    }

    @Test
    void aShareFailureIsAnErrorAndUndoesTheBind() throws Exception {
        Files.createDirectories(root.resolve("data/shared"));
        RecordingMounter m = new RecordingMounter();
        m.failShared = true;
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(share("$ROOT/data/shared"))), m));
        assertTrue(e.getMessage().startsWith("cannot share " + root + "/data/shared: "), e.getMessage());
        assertEquals(List.of("bind " + root + "/data/shared", "shared " + root + "/data/shared",
                "unmount " + root + "/data/shared"), m.calls);
        assertFalse(Files.exists(root.resolve("sys/log/web")), "nothing after the failing step ran");
    }

    @Test
    void aLockFailureIsAnError() throws Exception {
        Files.createDirectories(root.resolve("data/shared"));
        Files.createDirectories(root.resolve("data/bpm"));
        Files.writeString(root.resolve("data/bpm/locks"), "not a directory");
        RecordingMounter m = new RecordingMounter();
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(share("$ROOT/data/shared"))), m));
        assertTrue(e.getMessage().startsWith("cannot share " + root + "/data/shared: "), e.getMessage());
        assertEquals(List.of(), m.calls);
    }

    @Test
    void aMissingSharedVolumeIsAnError() {
        RecordingMounter m = new RecordingMounter();
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(share("$ROOT/data/shared"))), m));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertEquals(List.of(), m.calls);
    }

    @Test
    void withoutTheSysLayerSharingFailsLoudly() throws Exception {
        Files.createDirectories(root.resolve("data/shared"));
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(share("$ROOT/data/shared"))), Mounter.UNAVAILABLE));
        assertTrue(e.getMessage().contains("no mount(2) implementation"), e.getMessage());
    }

    // ---- §5.5 log files ---------------------------------------------------------------------------

    @Test
    void aSymlinkedStdoutLogIsRefusedAndItsTargetUntouched() throws Exception {
        Files.createDirectories(root.resolve("sys/log/web"));
        Path target = Files.writeString(root.resolve("victim"), "secret");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r--------"));
        Path log = root.resolve("sys/log/web/web.stdout.log");
        Files.createSymbolicLink(log, target);
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertTrue(e.getMessage().startsWith("refusing to open symlink at " + log), e.getMessage());
        assertFile("victim", 0400, 0, 0);
        assertEquals("secret", Files.readString(target));
        assertTrue(Files.isSymbolicLink(log));
    }

    @Test
    void aSymlinkedStdoutLogToAMissingTargetIsRefusedAndNothingIsCreated() throws Exception {
        Files.createDirectories(root.resolve("sys/log/web"));
        Path target = root.resolve("nowhere/created");
        Path log = root.resolve("sys/log/web/web.stdout.log");
        Files.createSymbolicLink(log, target);
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertTrue(e.getMessage().startsWith("refusing to open symlink at " + log), e.getMessage());
        assertFalse(Files.exists(root.resolve("nowhere")));
    }

    @Test
    void logsAreAppendedNotTruncatedAndKeepTheirMode() throws Exception {
        Path log = Files.createDirectories(root.resolve("sys/log/web")).resolve("web.stdout.log");
        Files.writeString(log, "before\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r-----"));
        try (HostPreparation.Logs logs = apply(prep(false, false, List.of()))) {
            Sys.raw(NR_LSEEK, logs.stdout(), 0, 0); // O_APPEND writes at the end whatever the position
            write(logs.stdout(), "after\n");
            write(logs.stderr(), "err\n");
        }
        assertEquals("before\nafter\n", Files.readString(log));
        assertEquals("err\n", Files.readString(root.resolve("sys/log/web/web.stderr.log")));
        assertFile("sys/log/web/web.stdout.log", 0640, UID, GID);
    }

    @Test
    void aFifoInPlaceOfALogIsRefusedWithoutOpeningIt() throws Exception {
        Path dir = Files.createDirectories(root.resolve("sys/log/web"));
        Process p = new ProcessBuilder("mkfifo", dir.resolve("web.stdout.log").toString()).start();
        assertEquals(0, p.waitFor());
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void bpmLogCanBeOpenedBeforeThePlanIsApplied() throws Exception {
        HostPreparation h = new HostPreparation(bound(prep(false, false, List.of())), new RecordingMounter());
        h.makeDir(root + "/sys/log/web", 0750, UID, GID);
        int fd = h.openLog(root + "/sys/log/web/bpm.log", 0600, UID, GID);
        try {
            write(fd, "{}\n");
        } finally {
            Sys.close(fd);
        }
        assertDir("sys/log/web", 0750, UID, GID);
        assertFile("sys/log/web/bpm.log", 0600, UID, GID);
    }

    // ---- existing directories -----------------------------------------------------------------------

    @Test
    void anExistingDirectoryKeepsItsModeButIsChownedEveryTime() throws Exception {
        Path tmp = Files.createDirectories(root.resolve("data/web/tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-x---"));
        apply(prep(false, false, List.of())).close();
        assertDir("data/web/tmp", 0750, UID, GID);
        Files.setOwner(tmp, SafeDirs.user(0));
        apply(prep(false, false, List.of())).close();
        assertDir("data/web/tmp", 0750, UID, GID);
    }

    @Test
    void createdDirectoriesIgnoreASetgidParentAndTheUmask() throws Exception {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.setAttribute(data, "unix:gid", GID);
        Files.setAttribute(data, "unix:mode", 02777);
        apply(prep(false, false, List.of())).close();
        assertDir("data/web", 0700, 0, 0);
        assertDir("data/web/tmp", 0700, UID, GID);
    }

    @Test
    void aFileWhereADirectoryBelongsIsAnError() throws Exception {
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/web"), "x");
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertEquals("cannot create directory " + root + "/data/web/tmp: " + root + "/data/web: not a directory", e.getMessage());
    }

    @Test
    void aDeviceOrFifoVolumeIsRefused() throws Exception {
        Path dir = Files.createDirectories(root.resolve("data/x"));
        Process p = new ProcessBuilder("mkfifo", dir.resolve("fifo").toString()).start();
        assertEquals(0, p.waitFor());
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(volume("$ROOT/data/x/fifo")))));
        assertTrue(e.getMessage().contains("neither a directory nor a regular file"), e.getMessage());
        assertFile("data/x/fifo", -1, 0, 0);
    }

    // ---- symlinks a job could plant -------------------------------------------------------------------

    @Test
    void aSymlinkPlantedAsTheTmpDirIsRefusedAndItsTargetUntouched() throws Exception {
        Path victim = Files.createDirectories(root.resolve("victim"));
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path web = Files.createDirectories(root.resolve("data/web"));
        Files.createSymbolicLink(web.resolve("tmp"), victim);
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertTrue(e.getMessage().contains("refusing to follow the symlink at " + root + "/data/web/tmp: it is inside "
                + root + "/data"), e.getMessage());
        assertDir("victim", 0755, 0, 0);
    }

    @Test
    void aSymlinkPlantedAboveTheLeafIsRefused() throws Exception {
        Path victim = Files.createDirectories(root.resolve("victim"));
        Files.createDirectories(root.resolve("data"));
        Files.createSymbolicLink(root.resolve("data/web"), victim);
        PreparationException e = assertThrows(PreparationException.class, () -> apply(prep(false, false, List.of())));
        assertTrue(e.getMessage().contains("refusing to follow the symlink at " + root + "/data/web:"), e.getMessage());
        assertFalse(Files.exists(victim.resolve("tmp")), "nothing was created through the link");
    }

    @Test
    void aSymlinkPlantedAsAVolumeIsRefused() throws Exception {
        Path victim = Files.writeString(root.resolve("victim"), "x");
        Files.createDirectories(root.resolve("data/program"));
        Files.createSymbolicLink(root.resolve("data/program/foobar"), victim);
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(volume("$ROOT/data/program/foobar")))));
        assertTrue(e.getMessage().contains("refusing to follow the symlink at " + root + "/data/program/foobar"), e.getMessage());
        assertFile("victim", 0644, 0, 0);
    }

    @Test
    void aSymlinkInADirectoryAJobOwnsIsRefusedOutsideDataStoreAndSys() throws Exception {
        Path victim = Files.createDirectories(root.resolve("victim"));
        Path owned = Files.createDirectories(root.resolve("jobs/web/volume"));
        Files.setAttribute(owned, "unix:uid", UID);
        Files.createSymbolicLink(owned.resolve("inner"), victim);
        PreparationException e = assertThrows(PreparationException.class,
                () -> apply(prep(false, false, List.of(volume("$ROOT/jobs/web/volume/inner/x")))));
        assertTrue(e.getMessage().contains("its directory " + owned + " is not owned by root"), e.getMessage());
        assertFalse(Files.exists(victim.resolve("x")));
    }

    @Test
    void rootsOwnSymlinksAreFollowed() throws Exception {
        // a stemcell: /var/vcap/sys -> /var/vcap/data/sys, /var/vcap/jobs/web -> data/jobs/web/HASH
        Path realSys = Files.createDirectories(root.resolve("data/sys"));
        Files.createSymbolicLink(root.resolve("sys"), realSys);
        Path hash = Files.createDirectories(root.resolve("data/jobs/web/abc123"));
        Files.createDirectories(root.resolve("jobs"));
        Files.createSymbolicLink(root.resolve("jobs/web"), hash);
        apply(prep(false, false, List.of(volume("$ROOT/jobs/web/cache")))).close();
        assertDir("data/sys/log/web", 0750, UID, GID);
        assertDir("data/sys/run/bpm/web", 0700, 0, 0);
        assertDir("data/jobs/web/abc123/cache", 0700, UID, GID);
    }

    @Test
    void principalsResolveToTheirIds() throws Exception {
        assertEquals(UID, SafeDirs.user(UID).hashCode());
        assertEquals(GID, SafeDirs.group(GID).hashCode());
        Path f = Files.createFile(root.resolve("f"));
        Files.setOwner(f, SafeDirs.user(4242));
        assertEquals(4242, Files.getAttribute(f, "unix:uid"));
        assertEquals(4242, SafeDirs.id(Files.getOwner(f)), "the JDK's principals hash to their id");
    }

    // ---- the walk alone (kernels without openat2, which SafeDirs otherwise tries first) ----------------

    @AfterEach
    void openat2Again() {
        Sys.openat2 = true;
    }

    @Test
    void withoutOpenat2TheWalkMakesAndRefusesTheSame() throws Exception {
        Sys.openat2 = false;
        createsTheJobDirectoriesWithBpmsModesAndOwners();
        root = Files.createTempDirectory(root, "walk");
        anExistingDirectoryKeepsItsModeButIsChownedEveryTime();
        root = Files.createTempDirectory(root, "walk");
        aFileWhereADirectoryBelongsIsAnError();
    }

    @Test
    void withoutOpenat2RootsSymlinksAreFollowedAndPlantedOnesRefused() throws Exception {
        Sys.openat2 = false;
        rootsOwnSymlinksAreFollowed();
        root = Files.createTempDirectory(root, "walk");
        aSymlinkPlantedAboveTheLeafIsRefused();
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static final int NR_LSEEK = 8;

    private static void write(int fd, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            Sys.writeFully(fd, Struct.cString(a, bytes), bytes.length);
        }
    }

    /** Whether a descriptor is open (fcntl F_GETFD). */
    private static boolean open(int fd) {
        return fd >= 0 && Sys.raw(72, fd, 1) >= 0;
    }

    static VolumeDir volume(String path) {
        return new VolumeDir(path, 0700, Owner.VCAP, Provenance.at("bpm.yml", 12, 5, "additional_volumes[0]"));
    }

    static ShareVolume share(String path) {
        return new ShareVolume(path, "$ROOT/data/bpm/locks/vol-x.lock", D);
    }

    private void assertDir(String rel, int mode, int uid, int gid) throws IOException {
        Path p = root.resolve(rel);
        assertTrue(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS), rel + " is a directory");
        assertOwnerAndMode(rel, p, mode, uid, gid);
    }

    private void assertFile(String rel, int mode, int uid, int gid) throws IOException {
        Path p = root.resolve(rel);
        assertTrue(Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p), rel + " is a file");
        assertOwnerAndMode(rel, p, mode, uid, gid);
    }

    private static void assertOwnerAndMode(String rel, Path p, int mode, int uid, int gid) throws IOException {
        int m = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        if (mode >= 0) assertEquals(Integer.toOctalString(mode), Integer.toOctalString(m), rel + " mode");
        assertEquals(uid + ":" + gid, Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS), rel + " owner");
    }

    /** Records mount calls; can fail, pretend a mount point, and check that a lock is held. */
    static final class RecordingMounter implements Mounter {
        final List<String> calls = new ArrayList<>();
        final List<Boolean> lockHeld = new ArrayList<>();
        boolean mountPoint;
        boolean failShared;
        Path lockToCheck;

        @Override
        public boolean isMountPoint(Path path) {
            return mountPoint;
        }

        @Override
        public void bindOntoItself(Path path) {
            calls.add("bind " + path);
            checkLock();
        }

        @Override
        public void makeShared(Path path) throws IOException {
            calls.add("shared " + path);
            checkLock();
            if (failShared) throw new IOException("mount none " + path + " MS_SHARED: EINVAL");
        }

        @Override
        public void unmount(Path path) {
            calls.add("unmount " + path);
        }

        /** Whether this process holds the volume lock, from /proc/locks. */
        private void checkLock() {
            if (lockToCheck == null) return;
            lockHeld.add(LifecycleLockTest.heldByThisProcess(lockToCheck));
        }
    }
}
