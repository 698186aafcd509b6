package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step.CgroupLimit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Job cgroups against this machine's kernel: cgroup v1 memory and pids (created at the hierarchy
 * roots as bpm-test-RANDOM, not under the cgroup this JVM runs in), and the cgroup2 core files
 * (cgroup.procs, cgroup.kill) on the unified hierarchy, which has no memory or pids controller
 * here. Tenants are direct children of this JVM ({@code sleep}, {@code sh}), so nothing is
 * orphaned; every cgroup and process is removed in {@link #cleanUp}, which also asserts it.
 */
class JobCgroupKernelTest {

    private static final Provenance D = Provenance.DEFAULT;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Process> tenants = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();
    private Cgroups layout;

    @BeforeEach
    void layout() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIPPED LOUDLY: cgroup tests need root");
        layout = Cgroups.detect();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : tenants) {
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "tenant " + p.pid() + " ended");
        }
        List<Path> left = new ArrayList<>();
        for (Path d : created) {
            JobCgroup c = JobCgroup.at(List.of(d));
            c.kill(WAIT, JobCgroup.Killer.SIGKILL);
            c.remove(WAIT);
            if (Files.exists(d)) left.add(d);
        }
        assertEquals(List.of(), left, "no test cgroup is left behind");
    }

    private JobCgroup v1Job() throws IOException {
        assumeTrue(layout.memory() != null && !layout.memory().unified() && layout.pids() != null && !layout.pids().unified(),
                "SKIPPED LOUDLY: this host has no cgroup v1 memory and pids hierarchies (" + layout.version() + ")");
        JobCgroup job = layout.job("/", "bpm-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        created.addAll(job.paths());
        return job;
    }

    private Process tenant(String... command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        tenants.add(p);
        return p;
    }

    /** Moves a process in as the launcher's child would move itself (there it writes "0"). */
    private static void join(JobCgroup job, long pid) throws IOException {
        List<FileChannel> procs = job.openProcs();
        try {
            for (FileChannel ch : procs) {
                ch.write(ByteBuffer.wrap(Long.toString(pid).getBytes(StandardCharsets.US_ASCII)));
            }
        } finally {
            for (FileChannel ch : procs) ch.close();
        }
    }

    private static String read(Path dir, String file) throws IOException {
        return Files.readString(dir.resolve(file)).trim();
    }

    @Test
    void v1LimitsAreWrittenAndATenantIsListedKilledAndTheCgroupRemoved() throws Exception {
        JobCgroup job = v1Job();
        Path memory = job.paths().get(0);
        Path pids = job.paths().get(1);
        assertTrue(memory.startsWith(layout.memory().mountPoint()) && pids.startsWith(layout.pids().mountPoint()));
        job.create();
        assertTrue(Files.isDirectory(memory) && Files.isDirectory(pids));
        List<CgroupLimit> limits = new ArrayList<>(List.of(new CgroupLimit("memory", 64L << 20, false, D),
                new CgroupLimit("pids", 5, false, D)));
        if (layout.swapAccounting()) limits.add(1, new CgroupLimit("memory+swap", 64L << 20, false, D));
        job.apply(limits);
        assertEquals(Long.toString(64L << 20), read(memory, "memory.limit_in_bytes"));
        if (layout.swapAccounting()) assertEquals(Long.toString(64L << 20), read(memory, "memory.memsw.limit_in_bytes"));
        assertEquals("5", read(pids, "pids.max"));

        Process sleep = tenant("sleep", "30");
        join(job, sleep.pid());
        assertEquals(Set.of(sleep.pid()), job.pids());
        assertTrue(read(memory, "cgroup.procs").contains(Long.toString(sleep.pid())));

        assertTrue(job.kill(WAIT, JobCgroup.Killer.SIGKILL));
        assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, sleep.exitValue(), "SIGKILLed");
        assertEquals(Set.of(), job.pids());
        job.remove(WAIT);
        assertFalse(Files.exists(memory) || Files.exists(pids));
        assertFalse(job.exists());
        job.remove(WAIT); // removing twice is fine
    }

    @Test
    void v1PidsLimitStopsAFork() throws Exception {
        JobCgroup job = v1Job();
        job.create();
        job.apply(List.of(new CgroupLimit("pids", 1, false, D)));
        // sh is the only task allowed: running /bin/true needs a fork, which fails; nothing is orphaned
        Process sh = tenant("sh", "-c", "read line; /bin/true; echo survived");
        join(job, sh.pid());
        sh.getOutputStream().write('\n');
        sh.getOutputStream().close();
        assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
        String err = new String(sh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, sh.exitValue(), err);
        assertTrue(err.toLowerCase().contains("fork"), err);
        assertFalse(out.contains("survived"));
        assertTrue(read(job.paths().get(1), "pids.events").matches("max [1-9][0-9]*"), read(job.paths().get(1), "pids.events"));
        job.remove(WAIT);
    }

    @Test
    void v1MemorySwapIsWrittenInTheOrderTheKernelAccepts() throws Exception {
        JobCgroup job = v1Job();
        assumeTrue(layout.swapAccounting(), "SKIPPED LOUDLY: no swap accounting (memory.memsw.limit_in_bytes) on this host");
        job.create();
        Path memory = job.paths().get(0);
        for (long mb : new long[] {64, 256, 32, 128}) {
            job.apply(List.of(new CgroupLimit("memory", mb << 20, false, D), new CgroupLimit("memory+swap", mb << 20, false, D)));
            assertEquals(Long.toString(mb << 20), read(memory, "memory.limit_in_bytes"), mb + " MB");
            assertEquals(Long.toString(mb << 20), read(memory, "memory.memsw.limit_in_bytes"), mb + " MB");
        }
        job.remove(WAIT);
    }

    @Test
    void anExistingCgroupIsReusedWhenEmptyAndRefusedWhenNot() throws Exception {
        JobCgroup job = v1Job();
        job.create();
        job.create(); // empty: a leftover from a crash, reused
        Process sleep = tenant("sleep", "30");
        join(job, sleep.pid());
        IOException e = assertThrows(IOException.class, job::create);
        assertTrue(e.getMessage().contains("already exists with processes [" + sleep.pid() + "]"), e.getMessage());
        IOException busy = assertThrows(IOException.class, () -> job.remove(Duration.ofMillis(50)));
        assertTrue(busy.getMessage().startsWith("cannot remove cgroup "), busy.getMessage());
        assertTrue(busy.getMessage().contains("processes still in it: [" + sleep.pid() + "]"), busy.getMessage());
        assertTrue(job.kill(WAIT, JobCgroup.Killer.SIGKILL));
        job.remove(WAIT);
    }

    @Test
    void aLimitForAMissingControllerIsAnError() throws Exception {
        JobCgroup onlyTracking = JobCgroup.at(List.of(Path.of("/nonexistent/bpm-test-x")));
        IOException e = assertThrows(IOException.class,
                () -> onlyTracking.apply(List.of(new CgroupLimit("pids", 5, false, D))));
        assertTrue(e.getMessage().contains("no pids cgroup controller"), e.getMessage());
    }

    @Test
    void cgroup2CoreFilesTrackAndKillATenant() throws Exception {
        Path unified = layout.unifiedMount();
        assumeTrue(unified != null, "SKIPPED LOUDLY: no cgroup2 hierarchy on this host");
        Path dir = unified.resolve("bpm-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        created.add(dir);
        JobCgroup job = JobCgroup.at(List.of(dir));
        job.create();
        assertTrue(Files.exists(dir.resolve("cgroup.procs")), "a real cgroup2 directory");
        assumeTrue(Files.exists(dir.resolve("cgroup.kill")), "SKIPPED LOUDLY: no cgroup.kill (Linux 5.14+) on this host");
        Process sleep = tenant("sleep", "30");
        join(job, sleep.pid());
        assertEquals(Set.of(sleep.pid()), job.pids());
        List<Long> signalled = new ArrayList<>();
        assertTrue(job.kill(WAIT, signalled::add), "cgroup.kill empties it");
        assertTrue(sleep.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, sleep.exitValue());
        assertEquals(List.of(), signalled, "no pid was signalled one by one");
        job.remove(WAIT);
        assertFalse(Files.exists(dir));
    }
}
