package io.bpm.executor.launch;

import io.bpm.executor.host.Binding;
import io.bpm.executor.host.BoundPlan;
import io.bpm.executor.plan.HostFacts;
import io.bpm.executor.plan.Plans;
import io.bpm.executor.plan.Step.NamespaceKind;
import io.bpm.executor.sys.Tape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tape of {@code bpm shell} against an imagined host: what a process joining a running job does, in order. */
class EnterJobTest {

    private static final long[] FILTER = {Tape.bpfStmt(0x06, 0x7fff0000)};

    @Test
    void theTapeJoinsTheNamespacesThenTakesTheJobsLimitsCgroupAndCredentials() throws Exception {
        BoundPlan plan = Binding.bind(Plans.valid(), HostFacts.of("/bosh", 1000, 1000).withExists(p -> false));
        Map<NamespaceKind, Integer> ns = new LinkedHashMap<>();
        ns.put(NamespaceKind.MNT, 20);
        ns.put(NamespaceKind.UTS, 21);
        ns.put(NamespaceKind.IPC, 22);
        List<String> d;
        try (Tape tape = EnterJob.tape(plan, new EnterJob.Fds(ns, List.of(30, 31)), FILTER, new TapeBuilderTest.FakeHost(),
                List.of("/bin/bash"), List.of("TERM=xterm-256color"))) {
            d = tape.describe();
        }
        assertEquals("clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_CLEAR_SIGHAND|CLONE_PIDFD, exit_signal=SIGCHLD})", d.getFirst(),
                "no new namespace: the PID namespace is the parent's pid_for_children");
        List<String> c = d.subList(1, d.size()).stream().map(l -> l.substring(4).replaceAll(" {2,}# ", " # ")).toList();
        assertEquals(List.of(
                "setns(20, CLONE_NEWNS) # enter: the job's mnt namespace",
                "setns(21, CLONE_NEWUTS) # enter: the job's uts namespace",
                "setns(22, CLONE_NEWIPC) # enter: the job's ipc namespace",
                "setrlimit(7, {1024, 1024}) # step 52 rlimit NOFILE 1024 1024 (bpm.yml:8:40 limits.open_files)",
                "write(30, \"0\", 1) # enter: the job's cgroup",
                "write(31, \"0\", 1) # enter: the job's cgroup",
                "umask(022) # enter: umask 022, the job's"), c.subList(0, 7));
        int uid = indexOf(c, "setresuid(1000, 1000, 1000)");
        int nnp = indexOf(c, "prctl(PR_SET_NO_NEW_PRIVS");
        int sigs = indexOf(c, "rt_sigprocmask(SIG_SETMASK");
        int close = indexOf(c, "close_range(3,");
        int cwd = indexOf(c, "chdir(\"/var/vcap/jobs/web\")");
        int seccomp = indexOf(c, "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=1})");
        assertTrue(7 < uid && uid < nnp && nnp < sigs && sigs < close && close < cwd && cwd < seccomp && seccomp == c.size() - 2,
                String.join("\n", c));
        String exec = c.getLast();
        assertTrue(exec.startsWith("execve(\"/bin/bash\", [\"/bin/bash\"], [") && exec.contains("\"TERM=xterm-256color\"")
                && exec.contains("\"HOME=/var/vcap/data/web\"") && exec.endsWith("# enter: /bin/bash"), exec);
        assertTrue(c.stream().noneMatch(l -> l.startsWith("setsid") || l.startsWith("dup2") || l.startsWith("mount")),
                "the caller's session and terminal, the job's mounts: " + String.join("\n", c));
    }

    @Test
    void extraVariablesReplaceTheJobsOfTheSameName() {
        assertEquals(List.of("A=1", "C=3", "TERM=dumb", "B=2"),
                EnterJob.withExtra(List.of("A=1", "TERM=xterm", "C=3"), List.of("TERM=dumb", "B=2")));
    }

    private static int indexOf(List<String> calls, String prefix) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).startsWith(prefix)) return i;
        }
        throw new AssertionError(prefix + " not on the tape:\n" + String.join("\n", calls));
    }
}
