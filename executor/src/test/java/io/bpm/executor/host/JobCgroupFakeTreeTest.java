package io.bpm.executor.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bpm.executor.plan.Provenance;
import io.bpm.executor.plan.Step.CgroupLimit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroup v2 limits and the kill/remove logic on a fake cgroup tree in a @TempDir (this machine's
 * cgroup2 hierarchy has no memory or pids controller). The test plays the kernel: it creates the
 * interface files a new cgroup would have and empties cgroup.procs when processes "exit".
 */
class JobCgroupFakeTreeTest {

    private static final Provenance D = Provenance.DEFAULT;

    @TempDir
    Path dir;

    /** A v2 host whose unified root offers these controllers, this process in "/" . */
    private Cgroups v2(String controllers, String subtreeControl) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(unified.resolve("cgroup.subtree_control"), subtreeControl);
        Path mi = Files.writeString(dir.resolve("mountinfo"), "30 23 0:27 / " + unified + " rw - cgroup2 cgroup2 rw\n");
        Path self = Files.writeString(dir.resolve("cgroup"), "0::/\n");
        return Cgroups.detect(mi, self);
    }

    /** What the kernel puts in a new v2 cgroup (the ones this code touches). */
    private static void kernelPopulates(Path cgroup) throws IOException {
        for (String f : List.of("memory.max", "memory.swap.max", "pids.max", "cgroup.procs", "cgroup.kill")) {
            Files.writeString(cgroup.resolve(f), f.equals("cgroup.procs") || f.equals("cgroup.kill") ? "" : "max\n");
        }
    }

    @Test
    void v2LimitsGoToMaxFilesWithSwapAloneInSwapMax() throws IOException {
        Cgroups c = v2("cpu memory pids", "memory");
        JobCgroup job = c.job("bpm-web");
        Path cg = dir.resolve("unified/bpm-web");
        assertEquals(List.of(cg), job.paths());
        job.create();
        kernelPopulates(cg);
        job.apply(List.of(new CgroupLimit("memory", 1L << 30, false, D), new CgroupLimit("memory+swap", 1L << 30, false, D),
                new CgroupLimit("pids", 100, false, D)));
        assertEquals("1073741824", Files.readString(cg.resolve("memory.max")));
        assertEquals("0", Files.readString(cg.resolve("memory.swap.max")), "memory+swap equal to memory: no swap");
        assertEquals("100", Files.readString(cg.resolve("pids.max")));
        assertEquals("+pids", Files.readString(dir.resolve("unified/cgroup.subtree_control")),
                "pids enabled in the parent; memory was already");

        job.apply(List.of(new CgroupLimit("memory", 100L << 20, false, D), new CgroupLimit("memory+swap", 300L << 20, false, D)));
        assertEquals(Long.toString(200L << 20), Files.readString(cg.resolve("memory.swap.max")));
        assertThrows(IllegalArgumentException.class,
                () -> job.apply(List.of(new CgroupLimit("memory", 2, false, D), new CgroupLimit("memory+swap", 1, false, D))));
    }

    @Test
    void aControllerTheParentDoesNotOfferIsAClearError() throws IOException {
        Cgroups c = v2("memory", "");
        JobCgroup job = c.job("bpm-web");
        job.create();
        kernelPopulates(dir.resolve("unified/bpm-web"));
        IOException e = assertThrows(IOException.class, () -> job.apply(List.of(new CgroupLimit("pids", 5, false, D))));
        assertTrue(e.getMessage().contains("no pids cgroup controller"), e.getMessage());
        Cgroups offers = v2("memory pids", "");
        Files.writeString(dir.resolve("unified/cgroup.controllers"), "memory\n"); // withdrawn since detection
        IOException gone = assertThrows(IOException.class,
                () -> offers.job("bpm-web").apply(List.of(new CgroupLimit("pids", 5, false, D))));
        assertTrue(gone.getMessage().startsWith("the pids controller is not available in " + dir.resolve("unified")), gone.getMessage());
    }

    @Test
    void theLauncherGetsWritableProcsFiles() throws IOException {
        JobCgroup job = v2("memory pids", "memory pids").job("bpm-web");
        job.create();
        Path cg = dir.resolve("unified/bpm-web");
        kernelPopulates(cg);
        List<FileChannel> procs = job.openProcs();
        assertEquals(1, procs.size());
        try (FileChannel ch = procs.getFirst()) {
            ch.write(ByteBuffer.wrap(new byte[] {'0'}));
        }
        assertEquals("0", Files.readString(cg.resolve("cgroup.procs")));
    }

    @Test
    void killUsesCgroupKillAndWaitsForTheKernel() throws IOException {
        JobCgroup job = v2("memory pids", "memory pids").job("bpm-web");
        job.create();
        Path cg = dir.resolve("unified/bpm-web");
        kernelPopulates(cg);
        Files.writeString(cg.resolve("cgroup.procs"), "123\n456\n");
        assertEquals(Set.of(123L, 456L), job.pids());
        List<Long> signalled = new ArrayList<>();
        assertFalse(job.kill(Duration.ofMillis(30), signalled::add), "the fake kernel never empties it");
        assertEquals("1", Files.readString(cg.resolve("cgroup.kill")));
        assertEquals(List.of(), signalled, "with cgroup.kill nothing is signalled pid by pid");
        Files.writeString(cg.resolve("cgroup.procs"), "");
        assertTrue(job.kill(Duration.ofMillis(30), signalled::add));
    }

    @Test
    void withoutCgroupKillEachPidIsKilledUntilNoneIsLeft() throws IOException {
        Path a = Files.createDirectories(dir.resolve("memory/bpm-web"));
        Path b = Files.createDirectories(dir.resolve("pids/bpm-web"));
        Files.writeString(a.resolve("cgroup.procs"), "7\n8\n");
        Files.writeString(b.resolve("cgroup.procs"), "8\n9\n");
        JobCgroup job = JobCgroup.at(List.of(a, b));
        List<Long> signalled = new ArrayList<>();
        boolean empty = job.kill(Duration.ofSeconds(5), pid -> {
            signalled.add(pid);
            for (Path d : List.of(a, b)) {
                String left = Files.readString(d.resolve("cgroup.procs")).replace(pid + "\n", "");
                Files.writeString(d.resolve("cgroup.procs"), left);
            }
        });
        assertTrue(empty);
        assertEquals(List.of(7L, 8L, 9L), signalled);
    }

    @Test
    void removeRetriesUntilTheDirectoryCanGo() throws IOException {
        Path cg = Files.createDirectories(dir.resolve("memory/bpm-web"));
        Files.writeString(cg.resolve("cgroup.procs"), "42\n");
        JobCgroup job = JobCgroup.at(List.of(cg));
        IOException e = assertThrows(IOException.class, () -> job.remove(Duration.ofMillis(30)));
        assertTrue(e.getMessage().startsWith("cannot remove cgroup " + cg), e.getMessage());
        assertTrue(e.getMessage().endsWith("processes still in it: [42]"), e.getMessage());
        Files.delete(cg.resolve("cgroup.procs")); // the kernel lets go
        job.remove(Duration.ofMillis(30));
        assertFalse(Files.exists(cg));
    }

    @Test
    void theKillerRefusesThisProcess() {
        assertThrows(IllegalStateException.class, () -> JobCgroup.Killer.SIGKILL.kill(ProcessHandle.current().pid()));
    }
}
