package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCacheTest {

    private static final String SHA = Plans.sha256(Plans.BPM_YML);
    private static final String OTHER_SHA = Plans.sha256("other");
    private static final String V1 = "0.1.0";

    @TempDir
    Path tmp;

    private static String plan(String sha, String version) {
        Plan p = Plans.valid();
        Header h = p.header();
        return PlanText.write(Plans.header(p, new Header(h.format(), version, sha, h.job(), h.process())));
    }

    private PlanCache cache() {
        return new PlanCache(tmp.resolve("plans").resolve("bpm-web"));
    }

    @Test
    void hit() throws IOException {
        PlanCache cache = cache();
        String text = plan(SHA, V1);
        cache.store(SHA, V1, text);
        assertEquals(Optional.of(text), cache.lookup(SHA, V1));
        // and a second instance over the same directory sees it too
        assertEquals(Optional.of(text), cache().lookup(SHA, V1));
    }

    @Test
    void missBeforeAnythingIsStored() {
        assertEquals(Optional.empty(), cache().lookup(SHA, V1));
        assertFalse(Files.exists(cache().directory()), "a lookup creates nothing");
    }

    @Test
    void missOnAnotherHashOrVersion() throws IOException {
        PlanCache cache = cache();
        cache.store(SHA, V1, plan(SHA, V1));
        assertEquals(Optional.empty(), cache.lookup(OTHER_SHA, V1));
        assertEquals(Optional.empty(), cache.lookup(SHA, "0.1.1"));
    }

    @Test
    void versionsThatShareAFileNameDoNotShareAPlan() throws IOException {
        PlanCache cache = cache();
        assertEquals(PlanCache.fileName(SHA, "1.0+a"), PlanCache.fileName(SHA, "1.0_a"));
        cache.store(SHA, "1.0+a", plan(SHA, "1.0+a"));
        assertTrue(cache.lookup(SHA, "1.0+a").isPresent());
        assertEquals(Optional.empty(), cache.lookup(SHA, "1.0_a"));
    }

    @Test
    void fileNames() {
        assertEquals(SHA + "-0.1.0.plan", PlanCache.fileName(SHA, "0.1.0"));
        assertEquals(SHA + "-1.0_build_7_.._x.plan", PlanCache.fileName(SHA, "1.0+build 7/../x"));
        assertEquals(SHA + "-___.plan", PlanCache.fileName(SHA, "ü\n/"));
        assertThrows(IllegalArgumentException.class, () -> PlanCache.fileName(SHA.toUpperCase(), V1));
        assertThrows(IllegalArgumentException.class, () -> PlanCache.fileName("../../etc/passwd", V1));
        assertThrows(IllegalArgumentException.class, () -> PlanCache.fileName(SHA, ""));
    }

    @Test
    void entryNames() {
        assertTrue(PlanCache.isEntryName(PlanCache.fileName(SHA, "1.0+x")));
        assertTrue(PlanCache.isEntryName(SHA + "-a.plan"));
        for (String name : List.of(SHA + "-.plan", SHA + ".plan", SHA + "-a.plan.tmp", SHA + "-a b.plan", SHA.substring(1) + "-a.plan",
                SHA.toUpperCase() + "-a.plan", ".tmp-123.plan", "README")) {
            assertFalse(PlanCache.isEntryName(name), name);
        }
    }

    @Test
    void storeCreatesAPrivateDirectoryAndFile() throws IOException {
        PlanCache cache = cache();
        cache.store(SHA, V1, plan(SHA, V1));
        Path dir = cache.directory();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)));
        Path file = dir.resolve(PlanCache.fileName(SHA, V1));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void atomicOverwrite() throws IOException {
        PlanCache cache = cache();
        cache.store(SHA, V1, plan(SHA, V1));
        Path file = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        Object before = Files.readAttributes(file, "unix:ino").get("ino");
        String newer = plan(SHA, V1) + "# recompiled\n";
        cache.store(SHA, V1, newer);
        assertEquals(Optional.of(newer), cache.lookup(SHA, V1));
        Object after = Files.readAttributes(file, "unix:ino").get("ino");
        assertFalse(before.equals(after), "replaced by rename (a new inode), not rewritten in place");
        try (Stream<Path> files = Files.list(cache.directory())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aSymlinkedCacheDirectoryIsRefused() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(tmp.resolve("plans"), real);
        PlanCache cache = new PlanCache(link);
        assertThrows(IOException.class, () -> cache.store(SHA, V1, plan(SHA, V1)));
        try (Stream<Path> files = Files.list(real)) {
            assertEquals(0, files.count(), "nothing written through the link");
        }
        // an entry planted behind the link is not read either
        Files.writeString(real.resolve(PlanCache.fileName(SHA, V1)), plan(SHA, V1));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        assertThrows(IOException.class, () -> cache.prune(0));
        assertTrue(Files.exists(real.resolve(PlanCache.fileName(SHA, V1))));
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("plans"), "x");
        PlanCache cache = new PlanCache(file);
        assertThrows(IOException.class, () -> cache.store(SHA, V1, plan(SHA, V1)));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
    }

    @Test
    void aDirectoryWritableByOthersIsNotTrusted() throws IOException {
        PlanCache cache = cache();
        cache.store(SHA, V1, plan(SHA, V1));
        Files.setPosixFilePermissions(cache.directory(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        assertThrows(IOException.class, () -> cache.store(SHA, V1, plan(SHA, V1)));
    }

    @Test
    void badEntriesAreMisses() throws IOException {
        PlanCache cache = cache();
        cache.store(OTHER_SHA, V1, plan(OTHER_SHA, V1)); // creates the directory
        Path dir = cache.directory();
        Path entry = dir.resolve(PlanCache.fileName(SHA, V1));

        // not UTF-8
        Files.write(entry, new byte[] {'b', 'p', 'm', (byte) 0xff, (byte) 0xfe, '\n'});
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        // truncated: the header is incomplete
        Files.writeString(entry, "bpm-plan 1\ncompiler 0.1.0\n");
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        // a plan of another source renamed into place
        Files.writeString(entry, plan(OTHER_SHA, V1));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        // writable by others
        Files.writeString(entry, plan(SHA, V1));
        assertTrue(cache.lookup(SHA, V1).isPresent());
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        Files.delete(entry);
        // a symlink to a valid plan
        Path target = Files.writeString(tmp.resolve("planted.plan"), plan(SHA, V1));
        Files.createSymbolicLink(entry, target);
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        Files.delete(entry);
        // a directory
        Files.createDirectory(entry);
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        Files.delete(entry);
        // a FIFO (reading it would block): skipped without opening
        if (mkfifo(entry)) {
            assertEquals(Optional.empty(), cache.lookup(SHA, V1));
            Files.delete(entry);
        }
        // too big
        Files.writeString(entry, plan(SHA, V1) + "#".repeat(PlanCache.MAX_PLAN_BYTES));
        assertEquals(Optional.empty(), cache.lookup(SHA, V1));
        // and a good entry stored over the bad one is found
        cache.store(SHA, V1, plan(SHA, V1));
        assertEquals(Optional.of(plan(SHA, V1)), cache.lookup(SHA, V1));
    }

    @Test
    void storingOverASymlinkReplacesTheLinkNotItsTarget() throws IOException {
        PlanCache cache = cache();
        cache.store(OTHER_SHA, V1, plan(OTHER_SHA, V1));
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Path entry = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        Files.createSymbolicLink(entry, victim);
        cache.store(SHA, V1, plan(SHA, V1));
        assertEquals("precious", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(entry));
        assertEquals(Optional.of(plan(SHA, V1)), cache.lookup(SHA, V1));
    }

    @Test
    void pruneKeepsTheNewest() throws IOException {
        PlanCache cache = cache();
        List<String> shas = List.of(Plans.sha256("a"), Plans.sha256("b"), Plans.sha256("c"), Plans.sha256("d"));
        long now = System.currentTimeMillis();
        for (int i = 0; i < shas.size(); i++) {
            cache.store(shas.get(i), V1, plan(shas.get(i), V1));
            // timestamps are coarse; make the order explicit: a oldest, d newest
            Files.setLastModifiedTime(cache.directory().resolve(PlanCache.fileName(shas.get(i), V1)),
                    FileTime.from(now - TimeUnit.MINUTES.toMillis(10 - i), TimeUnit.MILLISECONDS));
        }
        Path unrelated = Files.writeString(cache.directory().resolve("README"), "not an entry");
        Path staleTemp = Files.writeString(cache.directory().resolve(".tmp-123.plan"), "half");
        Files.setLastModifiedTime(staleTemp, FileTime.fromMillis(now - TimeUnit.HOURS.toMillis(1)));
        Path freshTemp = Files.writeString(cache.directory().resolve(".tmp-456.plan"), "being written");

        cache.prune(2);
        assertEquals(Optional.empty(), cache.lookup(shas.get(0), V1));
        assertEquals(Optional.empty(), cache.lookup(shas.get(1), V1));
        assertTrue(cache.lookup(shas.get(2), V1).isPresent());
        assertTrue(cache.lookup(shas.get(3), V1).isPresent());
        assertTrue(Files.exists(unrelated));
        assertFalse(Files.exists(staleTemp));
        assertTrue(Files.exists(freshTemp), "another bpm may be writing it");

        cache.prune(5);
        assertTrue(cache.lookup(shas.get(2), V1).isPresent());
        cache.prune(0);
        assertEquals(Optional.empty(), cache.lookup(shas.get(3), V1));
        assertThrows(IllegalArgumentException.class, () -> cache.prune(-1));
        new PlanCache(tmp.resolve("missing")).prune(1); // nothing to do
    }

    private static boolean mkfifo(Path p) {
        try {
            Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            return proc.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- the verifier's verdict: verified once, when cached ----------------------------------

    /** A plan of this source and compiler that the verifier refuses: /etc writable. */
    private static String invalidPlan() {
        Plan p = Plans.header(Plans.valid(), new Header(Plans.valid().header().format(), V1, SHA, Plans.valid().header().job(),
                Plans.valid().header().process()));
        int etc = Plans.mountIndex(p, "/etc");
        Step.Mount m = (Step.Mount) p.steps().get(etc);
        List<String> rw = m.options().stream().map(o -> o.equals("ro") ? "rw" : o).toList();
        return PlanText.write(Plans.replace(p, etc, new Step.Mount(m.type(), m.source(), m.target(), rw, m.ifExists(), m.from())));
    }

    private Optional<VerifiedPlan> find(PlanCache cache) {
        Header h = Plans.valid().header();
        return cache.find(SHA, V1, h.job(), h.process());
    }

    private Path verdict() {
        return cache().directory().resolve(PlanCache.verdictName(SHA, V1));
    }

    @Test
    void aStoredVerifiedPlanIsFoundWithItsVerdict() throws Exception {
        PlanCache cache = cache();
        VerifiedPlan stored = VerifiedPlan.of(plan(SHA, V1));
        cache.store(SHA, V1, stored);
        assertTrue(Files.isRegularFile(verdict(), LinkOption.NOFOLLOW_LINKS));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(verdict())));
        assertEquals(stored.text(), find(cache).orElseThrow().text());
        Header other = Plans.valid().header();
        assertEquals(Optional.empty(), cache.find(SHA, V1, other.job() + "x", other.process()), "another job's plan is a miss");
    }

    /** The verdict is what a cached start trusts instead of the verifier: one for exactly these bytes in this file. */
    @Test
    void aHoldingVerdictSkipsTheVerifier() throws Exception {
        PlanCache cache = cache();
        cache.store(SHA, V1, VerifiedPlan.of(plan(SHA, V1)));
        Path entry = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        // an entry the verifier refuses, with a verdict written for it as only a pass writes one
        cache.store(SHA, V1, invalidPlan());
        PlanCache.Stat st = PlanCache.stat(entry);
        String sha = PlanCache.sha256(invalidPlan().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.writeString(verdict(), new PlanCache.Verdict(sha, st.identity()).text());
        assertTrue(find(cache).isPresent(), "the verdict held: the plan was not verified again");
    }

    @Test
    void anEditedEntryIsVerifiedAgainAndRefusedWhenItFails() throws Exception {
        PlanCache cache = cache();
        cache.store(SHA, V1, VerifiedPlan.of(plan(SHA, V1)));
        String before = Files.readString(verdict());
        Path entry = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        Files.writeString(entry, invalidPlan());   // edited in place: same name, other bytes, new ctime
        assertEquals(Optional.empty(), find(cache), "the edited entry fails the verifier: a miss (compiled afresh)");
        assertEquals(before, Files.readString(verdict()), "no verdict is written for a plan that failed");
    }

    @Test
    void anEntryEditedBackToValidBytesGetsANewVerdict() throws Exception {
        PlanCache cache = cache();
        String text = plan(SHA, V1);
        cache.store(SHA, V1, VerifiedPlan.of(text));
        String before = Files.readString(verdict());
        Path entry = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        Files.writeString(entry, text + "# an operator's note\n");   // other bytes, still a valid plan
        assertTrue(find(cache).isPresent());
        String after = Files.readString(verdict());
        assertFalse(before.equals(after), "the verdict now names the new bytes and file");
        assertTrue(after.contains(PlanCache.sha256((text + "# an operator's note\n").getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void aVerdictOfOtherRulesOrBytesDoesNotHold() throws Exception {
        PlanCache cache = cache();
        cache.store(SHA, V1, invalidPlan());
        Path entry = cache.directory().resolve(PlanCache.fileName(SHA, V1));
        PlanCache.Stat st = PlanCache.stat(entry);
        String sha = PlanCache.sha256(invalidPlan().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String text = new PlanCache.Verdict(sha, st.identity()).text();
        Files.writeString(verdict(), text.replace(PlanCache.Verdict.RULES, "bpm-verdict 1 verifier 0"));
        assertEquals(Optional.empty(), find(cache), "a verdict of older verifier rules: verified again, refused");
        Files.writeString(verdict(), text.replace(sha, PlanCache.sha256(new byte[0])));
        Files.setLastModifiedTime(entry, FileTime.fromMillis(0));   // any change of the file's metadata moves its ctime
        assertEquals(Optional.empty(), find(cache), "a verdict of other bytes: verified again, refused");
        Files.writeString(verdict(), "garbage");
        assertEquals(Optional.empty(), find(cache));
    }

    @Test
    void pruneRemovesTheVerdictsOfRemovedEntries() throws Exception {
        PlanCache cache = cache();
        cache.store(SHA, V1, VerifiedPlan.of(plan(SHA, V1)));
        cache.prune(0);
        assertFalse(Files.exists(verdict()));
    }
}
