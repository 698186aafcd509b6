package io.bpm.compiler.cli;

import io.bpm.executor.plan.Plan;
import io.bpm.executor.plan.PlanText;
import io.bpm.executor.plan.Step;
import io.bpm.executor.plan.Verifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.bpm.compiler.cli.JobHost.await;
import static io.bpm.compiler.cli.JobHost.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The escape suite (issue 5, "Confinement"): a job, run by {@code bpm run} or {@code bpm start}
 * as root against the real kernel ({@link JobHost}), tries to get out of its sandbox, and each
 * attempt asserts the specific way it fails (the errno, the refusal, the invisibility).
 *
 * <p>Most attempts are made by one probe run at class setup: {@code probe.py}, generated from
 * the tables below, calls each syscall through ctypes and prints {@code attempt<TAB>outcome}
 * (the errno's name, or what it saw), and every test then checks one line of that output. The
 * attempts that need a lifecycle (another job running, a process that outlives stop, a planted
 * symlink met by the next start, a racing sibling) have a root of their own. The class prints
 * the table {@code attempt | expected | outcome} of all attempts at the end.
 *
 * <p>One attempt got out before it was fixed: a sibling process swapping a volume directory
 * for a symlink between bpm's checks and the child's mount(2) had a host directory of its choice
 * mounted (read-write) as the other process's volume (about one start in eight). Bind sources
 * where jobs own directories are now opened by bpm without following symlinks and attached in
 * the child with move_mount; {@link #aVolumeSwappedDuringTheLaunchIsNeverMountedFromTheSymlink}
 * races it for real, {@code LaunchPlanTest#aVolumeSwappedForASymlinkAfterTheChecksIsNotWhatGetsMounted}
 * swaps at the worst moment deterministically.
 *
 * <p>The table is also written to {@code compiler/target/escape-suite.txt}. {@code /dev} holds
 * runc's {@code core} link too (to /proc/kcore, which is masked), as bpm 1.x's /dev does.
 *
 * <p>Also covered elsewhere, not repeated: a symlinked bpm.log is refused
 * ({@code LifecycleTest#aSymlinkedBpmLogIsRefusedAndItsTargetUntouched}), a host message queue
 * is invisible ({@code LifecycleTest#aHostMessageQueueIsInvisible}).
 */
class EscapeTest {

    private static final String PYTHON = "/usr/bin/python3";
    /** The probe's {@code limits.processes}: its fork bomb must stop there. */
    private static final int PIDS_LIMIT = 48;

    /** bpm's masked paths (bpm-behaviour.md §4.6): each absent, or empty in the job's view. */
    static List<String> maskedPaths() {
        return List.of("/proc/kcore", "/proc/latency_stats", "/proc/sched_debug", "/proc/timer_list", "/proc/timer_stats",
                "/sys/firmware", "/etc/sv");
    }

    /** bpm's read-only /proc paths: each absent, or a read-only mount in the job's view. */
    static List<String> readOnlyProcPaths() {
        return List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    }

    /** A syscall (or /proc write) the job tries; {@code python} is a statement of probe.py, K its attempt. */
    record Call(String attempt, String expected, String python) {
        @Override
        public String toString() {
            return attempt;
        }
    }

    static List<Call> calls() {
        return List.of(
            new Call("mount(2) a tmpfs over /tmp", "EPERM", "sc(K, 165, s('none'), s('/tmp'), s('tmpfs'), 0, None)"),
            new Call("umount2(2) /proc", "EPERM", "sc(K, 166, s('/proc'), 2)"),
            new Call("fsopen(2) (the new mount API)", "EPERM", "sc(K, 430, s('tmpfs'), 0)"),
            new Call("pivot_root(2)", "EPERM", "sc(K, 155, s('/tmp'), s('/tmp'))"),
            new Call("chroot(2)", "EPERM", "sc(K, 161, s('/tmp'))"),
            new Call("unshare(CLONE_NEWNS) (unshare -m)", "EPERM", "sc(K, 272, 0x00020000)"),
            new Call("unshare(CLONE_NEWUSER)", "EPERM", "sc(K, 272, 0x10000000)"),
            new Call("clone(CLONE_NEWUSER)", "EPERM", "sc(K, 56, 0x10000000 | 17, 0, 0, 0, 0)"),
            new Call("clone(CLONE_NEWNS)", "EPERM", "sc(K, 56, 0x00020000 | 17, 0, 0, 0, 0)"),
            new Call("clone3(2) (libc falls back to clone)", "ENOSYS", "sc(K, 435, buf, 88)"),
            new Call("setns(2) (nsenter) into a mount namespace", "EPERM", "sc(K, 308, os.open('/proc/self/ns/mnt', 0), 0)"),
            new Call("ptrace(PTRACE_ATTACH, 1)", "EPERM", "sc(K, 101, 16, 1, 0, 0)"),
            new Call("process_vm_readv(2) of pid 1", "EPERM", "sc(K, 310, 1, buf, 1, buf, 1, 0)"),
            new Call("bpf(BPF_MAP_CREATE)", "EPERM", "sc(K, 321, 0, buf, 72)"),
            new Call("perf_event_open(2)", "EPERM", "sc(K, 298, buf, 0, -1, -1, 0)"),
            new Call("keyctl(KEYCTL_GET_KEYRING_ID)", "EPERM", "sc(K, 250, 0, -3, 0)"),
            new Call("add_key(2)", "EPERM", "sc(K, 248, s('user'), s('bpm-escape'), s('v'), 1, -3)"),
            new Call("init_module(2)", "EPERM", "sc(K, 175, buf, 16, s(''))"),
            new Call("finit_module(2)", "EPERM", "sc(K, 313, 0, s(''), 0)"),
            new Call("delete_module(2)", "EPERM", "sc(K, 176, s('bpm_no_such_module'), 0)"),
            new Call("kexec_load(2)", "EPERM", "sc(K, 246, 0, 0, 0, 0)"),
            new Call("reboot(2) (CAD off)", "EPERM", "sc(K, 169, 0xfee1dead, 672274793, 0, 0)"),
            new Call("personality(ADDR_NO_RANDOMIZE)", "EPERM", "sc(K, 135, 0x0040000)"),
            new Call("sethostname(2)", "EPERM", "sc(K, 170, s('escaped'), 7)"),
            new Call("setdomainname(2)", "EPERM", "sc(K, 171, s('escaped'), 7)"),
            new Call("mknod(2) a block device", "EPERM", "sc(K, 133, s('/tmp/bpm-vda'), 0o60600, 0xfe00)"),
            new Call("open_by_handle_at(2) (shocker)", "EPERM", "sc(K, 304, -100, buf, 0)"),
            new Call("name_to_handle_at(2)", "EPERM", "sc(K, 303, -100, s('/'), buf, buf, 0)"),
            new Call("io_uring_setup(2)", "EPERM", "sc(K, 425, 1, buf)"),
            new Call("userfaultfd(2)", "EPERM", "sc(K, 323, 0)"),
            new Call("swapon(2)", "EPERM", "sc(K, 167, s('/tmp/bpm-swap'), 0)"),
            new Call("settimeofday(2) (to the current time)", "EPERM", "sc(K, 164, timeval(), None)"),
            new Call("clock_settime(CLOCK_REALTIME) (to the current time)", "EPERM", "sc(K, 227, 0, timespec())"),
            new Call("iopl(3)", "EPERM", "sc(K, 172, 3)"),
            new Call("ioperm(0x80)", "EPERM", "sc(K, 173, 0x80, 1, 1)"),
            new Call("acct(2)", "EPERM", "sc(K, 163, s('/tmp/bpm-acct'))"),
            new Call("setuid(0)", "EPERM", "sc(K, 105, 0)"),
            new Call("setgid(0)", "EPERM", "sc(K, 106, 0)"),
            new Call("setgroups([0])", "EPERM", "sc(K, 116, 1, (ctypes.c_uint * 1)(0))"),
            new Call("capset(2) every capability", "EPERM", "sc(K, 126, caphdr(), capall())"),
            new Call("setrlimit(NOFILE) above its hard limit", "EPERM", "sc(K, 160, 7, above_hard(7))"),
            new Call("setpriority(-20)", "EACCES", "sc(K, 141, 0, 0, -20)"),
            new Call("oom_score_adj -1000 (unkillable)", "EACCES", "op(K, lambda: wr('/proc/self/oom_score_adj', '-1000'))"),
            new Call("kill(2) a host process (the test's JVM)", "ESRCH", "sc(K, 62, HOST_PID, 0)"));
    }

    /** Directories of read-only mounts ({JOB} is the job): mkdir in them. */
    static List<String> readOnlyDirectories() {
        return List.of("/", "/var/vcap", "/var/vcap/jobs", "/var/vcap/data", "/var/vcap/sys", "/bin", "/sbin", "/etc", "/usr",
                "/lib", "/lib64", "/sys", "/var/vcap/data/packages",
                "/var/vcap/packages/{JOB}/rw", "/var/vcap/jobs/{JOB}/rw",   // the rw ones are 0777 on the host
                "/var/vcap/data/{JOB}/read-only-volume");                     // an additional volume without writable: vcap's
    }

    /** Files (0666 on the host) in read-only mounts: open for writing. */
    static List<String> readOnlyFiles() {
        return List.of("/var/vcap/packages/{JOB}/rw/f", "/var/vcap/jobs/{JOB}/rw/f");
    }

    private record Row(String attempt, String expected, String outcome, boolean held) { }

    private static final List<Row> ROWS = new ArrayList<>();
    private static JobHost probeHost;
    private static String otherJob;
    private static String hostname;
    private static boolean fileCaps;
    private static JobHost.Result probeRun;
    private static final Map<String, String> SEEN = new LinkedHashMap<>();

    /** Hosts of the lifecycle tests, and the extra jobs started in them. */
    private final List<JobHost> hosts = new ArrayList<>();
    private final List<String[]> extraJobs = new ArrayList<>();

    // ---- the probe run ----------------------------------------------------------------------

    @BeforeAll
    static void probe() throws Exception {
        JobHost.requireRootAndTini();
        String why = Files.isExecutable(Path.of(PYTHON)) ? null : "the escape probes need " + PYTHON + " (with ctypes) on the host";
        if (why != null) System.err.println("SKIPPED LOUDLY: " + why);
        assumeTrue(why == null, why);
        hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();

        JobHost h = new JobHost();
        probeHost = h;
        otherJob = "t-other-" + hex();
        Path otherConfig = h.root.resolve("jobs/" + otherJob + "/config/config");
        Files.createDirectories(otherConfig.getParent());
        Files.writeString(otherConfig, "another job's secret\n");
        for (String d : List.of("packages/" + h.job + "/rw", "jobs/" + h.job + "/rw")) {
            Path dir = Files.createDirectories(h.root.resolve(d));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path f = Files.writeString(dir.resolve("f"), "read-only\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        Path bin = h.root.resolve("packages/" + h.job + "/bin");
        Files.createDirectories(bin);
        // setuid-root copies and a file-capability copy: the job may run them, they must not lift it
        Files.copy(Path.of("/usr/bin/id"), bin.resolve("suid-id"));
        Files.copy(Path.of("/usr/bin/cat"), bin.resolve("suid-cat"));
        assertEquals(0, exec("chmod", "4755", bin.resolve("suid-id").toString(), bin.resolve("suid-cat").toString()));
        Path setcap = Path.of("/usr/sbin/setcap");
        if (Files.isExecutable(setcap)) {
            Files.copy(Path.of("/usr/bin/cat"), bin.resolve("fcap-cat"));
            fileCaps = exec(setcap.toString(), "cap_dac_read_search,cap_sys_admin+ep", bin.resolve("fcap-cat").toString()) == 0;
        }
        Files.writeString(bin.resolve("probe.py"), probeScript());
        h.script("exec " + PYTHON + " /var/vcap/packages/" + h.job + "/bin/probe.py");
        h.oneProcess("  env:\n    JOB: " + h.job + "\n    OTHER: " + otherJob + "\n    HOST_ROOT: " + h.root
                + "\n    HOST_PID: \"" + ProcessHandle.current().pid() + "\"\n"
                + "  limits:\n    processes: " + PIDS_LIMIT + "\n"
                + "  additional_volumes:\n  - path: /var/vcap/data/" + h.job + "/read-only-volume\n");
        probeRun = h.bpm("run", h.job);
        for (String line : probeRun.out().split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) SEEN.put(line.substring(0, tab), line.substring(tab + 1));
        }
    }

    @AfterAll
    static void cleanUpAndPrintTheTable() throws Exception {
        try {
            if (probeHost != null) {
                probeHost.close();
                assertFalse(probeHost.mountsOfRoot(), "no mount of the probe's root is left");
                for (String c : probeHost.recordedCgroups()) assertFalse(Files.exists(Path.of(c)), "cgroup left: " + c);
            }
        } finally {
            printTable();
            JobHost.removeVcap();
        }
    }

    private static synchronized void printTable() {
        List<Row> rows = new ArrayList<>(ROWS);
        int a = "attempt".length();
        int e = "expected".length();
        for (Row r : rows) {
            a = Math.max(a, r.attempt().length());
            e = Math.max(e, r.expected().length());
        }
        StringBuilder b = new StringBuilder("\nEscapeTest: " + rows.size() + " attempts\n");
        b.append(pad("attempt", a)).append(" | ").append(pad("expected", e)).append(" | outcome\n");
        b.append("-".repeat(a)).append("-|-").append("-".repeat(e)).append("-|-").append("-".repeat(20)).append('\n');
        for (Row r : rows) {
            b.append(pad(r.attempt(), a)).append(" | ").append(pad(r.expected(), e)).append(" | ")
                    .append(r.held() ? "" : "ESCAPED/UNEXPECTED: ").append(r.outcome()).append('\n');
        }
        System.out.println(b);
        // surefire keeps a test's output in its report file; the table also has a file of its own
        try {
            Files.writeString(Path.of("target/escape-suite.txt"), b.toString().stripLeading());
        } catch (IOException x) {
            System.out.println("could not write target/escape-suite.txt: " + x.getMessage());
        }
    }

    private static String pad(String s, int n) {
        return s + " ".repeat(Math.max(0, n - s.length()));
    }

    /** Records an attempt's row and asserts it held. */
    private static void held(String attempt, String expected, String outcome, boolean held) {
        synchronized (EscapeTest.class) {
            ROWS.add(new Row(attempt, expected, outcome, held));
        }
        assertTrue(held, attempt + ": expected " + expected + ", got " + outcome);
    }

    private static void expect(String attempt, String expected, String outcome) {
        held(attempt, expected, outcome, expected.equals(outcome));
    }

    /** The probe's outcome for a key; the probe run's stderr when the line is missing. */
    private static String seen(String key) {
        assertTrue(probeRun != null, "the probe ran");
        String v = SEEN.get(key);
        return v != null ? v : "(no output; probe exit " + probeRun.code() + ": " + probeRun.err().strip() + ")";
    }

    private static String job(String path) {
        return path.replace("{JOB}", probeHost.job);
    }

    /** probe.py: helpers, then one statement per attempt. */
    private static String probeScript() {
        StringBuilder p = new StringBuilder("""
                import ctypes, errno, os, shutil, subprocess, time
                TAB = chr(9)
                JOB = os.environ['JOB']
                OTHER = os.environ['OTHER']
                HOST_PID = int(os.environ['HOST_PID'])
                BIN = '/var/vcap/packages/' + JOB + '/bin'
                libc = ctypes.CDLL(None, use_errno=True)
                libc.syscall.restype = ctypes.c_long
                buf = ctypes.create_string_buffer(4096)

                def out(key, value):
                    print(key + TAB + str(value).replace(chr(10), ' / ').replace(TAB, ' '), flush=True)

                def en(e):
                    return errno.errorcode.get(e, str(e))

                def arg(a):
                    return ctypes.c_long(a) if isinstance(a, int) else a

                def sc(key, nr, *args):
                    ctypes.set_errno(0)
                    r = libc.syscall(ctypes.c_long(nr), *[arg(a) for a in args])
                    err = ctypes.get_errno()
                    if nr in (56, 435) and r == 0:
                        os._exit(0)            # a clone that worked: the child leaves at once
                    if nr in (56, 435) and r > 0:
                        os.waitpid(r, 0)
                    out(key, 'ok' if r >= 0 else en(err))

                def op(key, f):
                    try:
                        r = f()
                        out(key, 'ok' if r is None else r)
                    except OSError as e:
                        out(key, en(e.errno))
                    except Exception as e:
                        out(key, type(e).__name__ + ': ' + str(e))

                def s(text):
                    return ctypes.c_char_p(text.encode())

                def wr(path, data='x'):
                    fd = os.open(path, os.O_WRONLY)
                    try:
                        os.write(fd, data.encode())
                    finally:
                        os.close(fd)

                def rd(path):
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        return os.read(fd, 65536)
                    finally:
                        os.close(fd)

                def timeval():
                    t = time.time()
                    return (ctypes.c_long * 2)(int(t), int((t % 1) * 1000000))

                def timespec():
                    t = time.time()
                    return (ctypes.c_long * 2)(int(t), int((t % 1) * 1000000000))

                def caphdr():
                    return (ctypes.c_uint32 * 2)(0x20080522, 0)

                def capall():
                    return (ctypes.c_uint32 * 6)(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0)

                def above_hard(resource):
                    lim = (ctypes.c_uint64 * 2)()
                    libc.getrlimit(resource, lim)
                    if lim[1] != 2**64 - 1:
                        lim[1] = lim[1] + 1
                    lim[0] = lim[1]
                    return lim

                def status(path):
                    d = {}
                    for line in open(path):
                        k, _, v = line.partition(':')
                        d[k] = ','.join(v.split())
                    return ' '.join(k + '=' + d.get(k, '?') for k in
                                    ['Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'])

                def processes():
                    r = []
                    for p in sorted((p for p in os.listdir('/proc') if p.isdigit()), key=int):
                        try:
                            r.append(p + ':' + open('/proc/' + p + '/comm').read().strip())
                        except OSError:
                            pass
                    return ' '.join(r)

                def mount_options(mp):
                    for line in open('/proc/self/mountinfo'):
                        f = line.split()
                        if f[4] == mp:
                            return f[5]
                    return 'not a mount point'

                def loose_mounts():
                    bad = []
                    for line in open('/proc/self/mountinfo'):
                        f = line.split()
                        mp, opts, fstype = f[4], f[5].split(','), f[f.index('-') + 1]
                        if mp == '/proc' or mp.startswith('/proc/') or fstype == 'devtmpfs':
                            continue               # procfs, and the host's device nodes bound into /dev
                        if 'nosuid' not in opts:
                            bad.append(mp + ' suid')
                        if 'rw' in opts and 'noexec' not in opts:
                            bad.append(mp + ' writable+exec')
                    return ', '.join(bad) if bad else 'none'

                def run(argv):
                    p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                    return (p.stdout + p.stderr).strip()

                def masked(path):
                    if not os.path.lexists(path):
                        return 'absent'
                    if os.path.isdir(path):
                        return 'empty' if not os.listdir(path) else 'lists ' + ' '.join(sorted(os.listdir(path))[:5])
                    data = rd(path)[:16]
                    return 'empty' if not data else 'reads ' + repr(data)

                def read_only(path):
                    return 'absent' if not os.path.lexists(path) else mount_options(path)

                def fork_bomb():
                    kids = []
                    try:
                        while len(kids) < 1000:
                            pid = os.fork()
                            if pid == 0:
                                time.sleep(60)
                                os._exit(0)
                            kids.append(pid)
                        return 'ok after ' + str(len(kids))
                    except OSError as e:
                        return en(e.errno) + ' after ' + str(len(kids))
                    finally:
                        for k in kids:
                            os.kill(k, 9)
                        for k in kids:
                            os.waitpid(k, 0)

                def exec_copy(src, dst):
                    shutil.copy(src, dst)
                    os.chmod(dst, 0o755)
                    subprocess.run([dst])

                """);
        for (Call c : calls()) {
            p.append(c.python().replace("K", "\"" + c.attempt() + "\"")).append('\n');
        }
        for (String d : readOnlyDirectories()) {
            String dir = d.replace("{JOB}", "' + JOB + '");
            p.append("op('mkdir " + d + "', lambda: os.mkdir('" + (dir.equals("/") ? "" : dir) + "/bpm-escape'))\n");
        }
        for (String f : readOnlyFiles()) {
            p.append("op('write " + f + "', lambda: wr('" + f.replace("{JOB}", "' + JOB + '") + "'))\n");
        }
        for (String m : maskedPaths()) {
            p.append("op('masked " + m + "', lambda: masked('" + m + "'))\n");
        }
        for (String r : readOnlyProcPaths()) {
            p.append("op('read-only " + r + "', lambda: read_only('" + r + "'))\n");
        }
        p.append("""
                op('fork bomb', fork_bomb)
                op('status self', lambda: status('/proc/self/status'))
                op('status init', lambda: status('/proc/1/status'))
                op('init fds', lambda: ' '.join(sorted(os.listdir('/proc/1/fd'), key=int)))
                op('dev', lambda: ' '.join(sorted(os.listdir('/dev'))))
                op('processes', processes)
                op('ls /var/vcap', lambda: ' '.join(sorted(os.listdir('/var/vcap'))))
                op('ls /var/vcap/jobs', lambda: ' '.join(sorted(os.listdir('/var/vcap/jobs'))))
                op('read other config', lambda: rd('/var/vcap/jobs/' + OTHER + '/config/config'))
                op('read other config on the host path', lambda: rd(os.environ['HOST_ROOT'] + '/jobs/' + OTHER + '/config/config'))
                op('stat old root', lambda: os.stat('/.bpm-old-root') and None)
                op('hard link', lambda: os.link('/etc/passwd', '/var/vcap/sys/log/' + JOB + '/passwd'))
                op('leave cgroup', lambda: wr('/sys/fs/cgroup/pids/cgroup.procs', str(os.getpid())))
                op('read /proc/kcore', lambda: repr(rd('/proc/kcore')[:16]))
                op('read /proc/timer_list', lambda: repr(rd('/proc/timer_list')[:16]))
                op('ls /sys/firmware', lambda: repr(os.listdir('/sys/firmware')))
                op('write /proc/sys/kernel/hostname', lambda: wr('/proc/sys/kernel/hostname', 'escaped'))
                op('write /proc/sys/vm/drop_caches', lambda: wr('/proc/sys/vm/drop_caches', '3'))
                op('/proc/sys options', lambda: mount_options('/proc/sys'))
                op('nodename', lambda: os.uname().nodename)
                op('loose mounts', loose_mounts)
                op('exec from /tmp', lambda: exec_copy('/usr/bin/true', '/tmp/bpm-true'))
                op('exec from /dev/shm', lambda: exec_copy('/usr/bin/true', '/dev/shm/bpm-true'))
                op('open /proc/1/mem', lambda: os.close(os.open('/proc/1/mem', os.O_RDONLY)))
                op('suid id', lambda: run([BIN + '/suid-id']))
                op('suid cat', lambda: run([BIN + '/suid-cat', '/etc/shadow']))
                op('fcap cat', lambda: run([BIN + '/fcap-cat', '/etc/shadow']) if os.path.exists(BIN + '/fcap-cat') else 'absent')
                op('strace -p 1', lambda: run(['strace', '-p', '1']) if shutil.which('strace') else 'absent')
                op('self status after all', lambda: status('/proc/self/status'))
                """);
        return p.toString();
    }

    // ---- syscalls ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aForbiddenSyscallFails(Call c) {
        expect(c.attempt(), c.expected(), seen(c.attempt()));
    }

    // ---- read-only mounts -------------------------------------------------------------------

    @ParameterizedTest(name = "mkdir in {0}")
    @MethodSource("readOnlyDirectories")
    void aReadOnlyMountCannotBeWritten(String dir) {
        expect("mkdir in " + job(dir), "EROFS", seen("mkdir " + dir));
    }

    @ParameterizedTest(name = "write {0}")
    @MethodSource("readOnlyFiles")
    void aWorldWritableFileInAReadOnlyMountCannotBeWritten(String file) {
        expect("write " + job(file) + " (0666 on the host)", "EROFS", seen("write " + file));
    }

    @Test
    void procSysIsReadOnlyAndRootsOnly() {
        expect("write /proc/sys/kernel/hostname", "EACCES", seen("write /proc/sys/kernel/hostname"));
        expect("write /proc/sys/vm/drop_caches", "EACCES", seen("write /proc/sys/vm/drop_caches"));
        String opts = seen("/proc/sys options");
        held("/proc/sys mounted read-only", "ro", opts, List.of(opts.split(",")).contains("ro"));
    }

    @Test
    void everyMountIsNosuidAndNoWritableMountIsExecutable() {
        expect("a suid or a writable+exec mount in the job's view", "none", seen("loose mounts"));
    }

    @Test
    void writableDirectoriesAreNoexec() {
        expect("exec a copy of true from /tmp", "EACCES", seen("exec from /tmp"));
        expect("exec a copy of true from /dev/shm", "EACCES", seen("exec from /dev/shm"));
    }

    // ---- credentials --------------------------------------------------------------------------

    /** What /proc/PID/status of a confined process of the job says: vcap's ids, no capability, no_new_privs, a filter. */
    private static final String CONFINED = "vcap, all Cap* 0, NoNewPrivs 1, Seccomp 2";

    private static void confined(String attempt, String status) throws IOException {
        String[] ids = vcapIds().split(" ");
        String want = "Uid=" + String.join(",", ids[0], ids[0], ids[0], ids[0]) + " Gid=" + String.join(",", ids[1], ids[1], ids[1], ids[1])
                + " CapInh=0000000000000000 CapPrm=0000000000000000 CapEff=0000000000000000 CapBnd=0000000000000000"
                + " CapAmb=0000000000000000 NoNewPrivs=1 Seccomp=2";
        held(attempt, CONFINED, want.equals(status) ? CONFINED : status, want.equals(status));
    }

    @Test
    void theJobHasNoCapabilitiesNoNewPrivsAndASeccompFilter() throws IOException {
        confined("/proc/self/status of the job", seen("status self"));
        confined("/proc/self/status after every attempt", seen("self status after all"));
    }

    @Test
    void setuidAndFileCapabilityBinariesDoNotRaiseTheJob() throws IOException {
        String uid = vcapIds().split(" ")[0];
        String id = seen("suid id");
        held("run a setuid-root copy of id", "uid=" + uid + ", no euid=0", id,
                id.startsWith("uid=" + uid + "(") && !id.contains("euid="));
        String cat = seen("suid cat");
        held("read /etc/shadow with a setuid-root cat", "EACCES", cat.contains("Permission denied") ? "EACCES" : cat,
                cat.contains("Permission denied"));
        assumeTrue(fileCaps, "setcap is not on this host");
        String fcat = seen("fcap cat");
        held("read /etc/shadow with a cap_dac_read_search+ep cat", "EACCES", fcat.contains("Permission denied") ? "EACCES" : fcat,
                fcat.contains("Permission denied"));
    }

    @Test
    void theInitIsNoBetterThanTheJob() throws IOException {
        // /proc/1/mem opens (same user, same job, no Yama on this host); nothing is to be had there
        confined("/proc/1/status (its own init, whose /proc/1/mem it may open: " + seen("open /proc/1/mem") + ")",
                seen("status init"));
        String strace = seen("strace -p 1");
        assumeTrue(!strace.equals("absent"), "strace is not on this host");
        held("strace -p 1", "EPERM", strace.contains("Operation not permitted") ? "EPERM" : strace,
                strace.contains("Operation not permitted"));
    }

    @Test
    void noHostDescriptorIsInherited() {
        expect("descriptors the init inherited (/proc/1/fd)", "0 1 2", seen("init fds"));
    }

    // ---- the view ----------------------------------------------------------------------------

    @Test
    void devHoldsOnlyTheUsualNodes() {
        List<String> want = new ArrayList<>(List.of("fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
                "stdin", "stdout", "tty", "urandom", "zero"));
        if (Files.exists(Path.of("/proc/kcore"), LinkOption.NOFOLLOW_LINKS)) want.add("core");
        want.sort(null);
        expect("ls /dev", String.join(" ", want), seen("dev"));
    }

    @Test
    void anotherJobsConfigIsInvisible() {
        expect("read /var/vcap/jobs/OTHER/config/config", "ENOENT", seen("read other config"));
        expect("read it by its host path", "ENOENT", seen("read other config on the host path"));
        expect("ls /var/vcap/jobs", probeHost.job, seen("ls /var/vcap/jobs"));
        expect("ls /var/vcap", "data jobs packages sys", seen("ls /var/vcap"));
        expect("stat the old root (/.bpm-old-root)", "ENOENT", seen("stat old root"));
    }

    @Test
    void theJobSeesOnlyItsOwnProcesses() {
        // tini, the probe (python3 after the script's exec), and the ps/strace children are gone by then
        expect("list /proc (processes of the probe run)", "1:tini 2:python3", seen("processes"));
    }

    @Test
    void hardLinkingAHostFileIntoTheLogDirFails() {
        expect("ln /etc/passwd into its log dir", "EXDEV", seen("hard link"));
    }

    @Test
    void theJobCannotLeaveItsCgroup() {
        expect("write its pid to /sys/fs/cgroup/pids/cgroup.procs", "ENOENT", seen("leave cgroup"));
    }

    @Test
    void maskedPathsAreEmpty() {
        boolean kcore = Files.exists(Path.of("/proc/kcore"));
        expect("read /proc/kcore", kcore ? "b''" : "ENOENT", seen("read /proc/kcore"));
        boolean timerList = Files.exists(Path.of("/proc/timer_list"));
        expect("read /proc/timer_list", timerList ? "b''" : "ENOENT", seen("read /proc/timer_list"));
        expect("ls /sys/firmware", "[]", seen("ls /sys/firmware"));
    }

    /** Every masked path the host has reads as nothing in the job (procfs and sysfs are the kernel's, as on the host). */
    @ParameterizedTest(name = "masked {0}")
    @MethodSource("maskedPaths")
    void aMaskedPathShowsNothing(String path) {
        boolean there = Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
        expect("read or list " + path, there ? "empty" : "absent", seen("masked " + path));
    }

    @ParameterizedTest(name = "read-only {0}")
    @MethodSource("readOnlyProcPaths")
    void aReadOnlyProcPathIsAReadOnlyMount(String path) {
        String opts = seen("read-only " + path);
        if (!Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS)) {
            expect(path + " (not on this kernel)", "absent", opts);
            return;
        }
        held(path + " mounted read-only", "ro", opts, List.of(opts.split(",")).contains("ro"));
    }

    /** A fork bomb stops at limits.processes with EAGAIN (tini and the probe count too). */
    @Test
    void aForkBombStopsAtThePidsLimit() {
        String outcome = seen("fork bomb");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("EAGAIN after (\\d+)").matcher(outcome);
        held("fork past the pids limit (processes: " + PIDS_LIMIT + ")", "EAGAIN before " + PIDS_LIMIT + " forks", outcome,
                m.matches() && Integer.parseInt(m.group(1)) < PIDS_LIMIT && Integer.parseInt(m.group(1)) >= PIDS_LIMIT - 8);
    }

    @Test
    void theHostnameCannotBeChanged() throws IOException {
        expect("sethostname(2), then the host's hostname", hostname,
                Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        expect("uname -n in the job (the host's, own UTS namespace)", hostname, seen("nodename"));
    }

    private static String vcapIds() throws IOException {
        for (String l : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = l.split(":");
            if (f[0].equals("vcap")) return f[2] + " " + f[3];
        }
        throw new AssertionError("no vcap user");
    }

    // ---- lifecycle attempts ------------------------------------------------------------------

    private JobHost host() throws IOException {
        JobHost h = new JobHost();
        hosts.add(h);
        return h;
    }

    /** Another job in h's root, one process named like the job running {@code body}; stopped after the test. */
    private String anotherJob(JobHost h, String body) throws IOException {
        String name = "t-" + hex();
        Path bin = Files.createDirectories(h.root.resolve("packages/" + name + "/bin"));
        Path run = Files.writeString(bin.resolve("run"), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = Files.createDirectories(h.root.resolve("jobs/" + name + "/config"));
        Files.writeString(config.resolve("bpm.yml"), "processes:\n- name: " + name + "\n  executable: /var/vcap/packages/"
                + name + "/bin/run\n");
        extraJobs.add(new String[] {h.root.toString(), name});
        return name;
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<Throwable> problems = new ArrayList<>();
        for (JobHost h : hosts) {
            try {
                for (String[] j : extraJobs) {
                    if (j[0].equals(h.root.toString())) h.bpm("stop", j[1]);
                }
                List<String> cgroups = h.recordedCgroups();
                h.close();
                assertFalse(h.mountsOfRoot(), "no mount of the temporary root is left");
                for (String c : cgroups) assertFalse(Files.exists(Path.of(c)), "cgroup left: " + c);
            } catch (Throwable t) {
                problems.add(t);
            }
        }
        hosts.clear();
        extraJobs.clear();
        if (!problems.isEmpty()) {
            AssertionError e = new AssertionError("cleaning up: " + problems.getFirst(), problems.getFirst());
            problems.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    @Test
    void anotherJobsProcessesAreInvisible() throws Exception {
        JobHost h = host();
        String other = anotherJob(h, "trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done");
        JobHost.Result start = h.bpm("start", other);
        assertEquals(0, start.code(), start.err());
        String otherPid = Files.readString(h.root.resolve("sys/run/bpm/" + other + "/" + other + ".pid")).strip();
        h.script("echo $(ps -e -o pid=,comm=); kill -0 " + otherPid + " 2>&1 | sed 's/.*kill: //'");
        h.oneProcess("");
        JobHost.Result run = h.bpm("run", h.job);
        assertEquals(0, run.code(), run.err());
        assertFalse(JobHost.gone(otherPid), "the other job was running all along");
        List<String> lines = run.out().lines().toList();
        String ps = lines.getFirst().strip();
        held("ps -e while another job runs", "tini, run, ps only", ps,
                ps.matches("1 tini 2 run \\d+ ps") && !ps.contains("sleep"));
        String kill = lines.size() > 1 ? lines.get(1).strip() : "(nothing)";
        held("kill -0 the other job's init (host pid " + otherPid + ")", "ESRCH", kill.contains("No such process") ? "ESRCH" : kill,
                kill.contains("No such process"));
        assertEquals(0, h.bpm("stop", other).code());
    }

    @Test
    void aDaemonThatIgnoresTermDoesNotOutliveStop() throws Exception {
        JobHost h = host();
        String mark = Integer.toString(700000 + ThreadLocalRandom.current().nextInt(99999));
        // double fork, own session, TERM HUP INT QUIT ignored; the main process itself stops on TERM
        h.script("trap 'exit 0' TERM\n( setsid sh -c 'trap \"\" TERM HUP INT QUIT; exec sleep " + mark + "' & )\n"
                + "echo up\nwhile :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("up");
        String init = h.pid();
        await("the daemon", () -> daemon(mark) != null);
        ProcessHandle d = daemon(mark);
        String pid = Long.toString(d.pid());
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        long ignored = Long.parseLong(status.replaceAll("(?s).*\nSigIgn:\\s*([0-9a-f]+).*", "$1"), 16);
        assertTrue((ignored >>> 14 & 1) == 1, "the daemon ignores TERM: " + Long.toHexString(ignored));
        assertFalse(sid(pid).equals(sid(init)), "the daemon has a session of its own");
        List<String> cgroups = h.recordedCgroups();
        assertFalse(cgroups.isEmpty());
        long t0 = System.nanoTime();
        JobHost.Result stop = h.bpm("stop", h.job);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, stop.code(), stop.err());
        List<String> left = cgroups.stream().filter(c -> Files.exists(Path.of(c))).toList();
        held("a setsid daemon ignoring TERM, after bpm stop (" + ms + " ms)", "gone, cgroup removed",
                (JobHost.gone(pid) ? "gone" : "ALIVE pid " + pid) + (left.isEmpty() ? ", cgroup removed" : ", cgroups left " + left),
                JobHost.gone(pid) && left.isEmpty());
    }

    private static ProcessHandle daemon(String mark) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").endsWith("/sleep"))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(mark)).orElse(false))
                .findFirst().orElse(null);
    }

    private static String sid(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3];
    }

    @Test
    void aLogFileReplacedBySymlinkOrFifoIsRefusedAtTheNextStart() throws Exception {
        JobHost h = host();
        Path victim = Files.writeString(h.root.resolve("victim"), "keep\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r-----"));
        String log = "/var/vcap/sys/log/" + h.job + "/" + h.job;
        h.script("rm -f " + log + ".stdout.log " + log + ".stderr.log\nln -s " + victim + " " + log + ".stdout.log\n"
                + "mkfifo " + log + ".stderr.log\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done");
        h.oneProcess("");
        assertEquals(0, h.bpm("start", h.job).code());
        await("the planted symlink", () -> Files.isSymbolicLink(h.stdoutLog()));
        await("the planted FIFO", () -> Files.exists(h.stderrLog(), LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(h.stderrLog(), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, h.bpm("stop", h.job).code());

        JobHost.Result start = h.bpm("start", h.job);
        String msg = start.lastErrLine();
        boolean untouched = Files.readString(victim).equals("keep\n") && owner(victim).equals("0:0")
                && mode(victim) == 0640;
        held("PROC.stdout.log -> a host file, then bpm start", "refused, target untouched",
                (start.code() == 0 ? "started" : "refused: " + msg.replaceAll(".*(refusing to open symlink).*", "$1"))
                        + (untouched ? ", target untouched" : ", TARGET CHANGED"),
                start.code() == 1 && msg.contains("refusing to open symlink at " + h.stdoutLog()) && untouched);
        assertFalse(Files.exists(h.pidFile()));

        Files.delete(h.stdoutLog());   // the operator removes the symlink; the FIFO is still there
        long t0 = System.nanoTime();
        JobHost.Result again = h.bpm("start", h.job);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String msg2 = again.lastErrLine();
        held("PROC.stderr.log replaced by a FIFO, then bpm start", "refused, no hang",
                (again.code() == 0 ? "started" : "refused: " + msg2.replaceAll(".*(not a regular file).*", "$1")) + " in " + ms + " ms",
                again.code() == 1 && msg2.contains("not a regular file") && ms < 20_000);
    }

    @Test
    void aVolumeReplacedBySymlinkBySiblingIsRefused() throws Exception {
        JobHost h = host();
        Path victimDir = Files.createDirectories(h.root.resolve("victim-dir"));
        Files.writeString(victimDir.resolve("victim-file"), "keep\n");
        Path victimFile = Files.writeString(h.root.resolve("victim-file"), "keep\n");
        Path data = Files.createDirectories(h.root.resolve("data/" + h.job));
        Files.writeString(data.resolve("conf.yml"), "own\n");
        String d = "/var/vcap/data/" + h.job;
        // the sibling has the job's data dir (ephemeral_disk); the volumes of the other process live in it
        String plant = h.script("plant", "cd " + d + " && rm -rf vol conf.yml && ln -s " + victimDir + " vol && ln -s "
                + victimFile + " conf.yml && echo planted");
        String show = h.script("show", "ls -A " + d + "/vol; cat " + d + "/conf.yml");
        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: " + plant + "\n  ephemeral_disk: true\n"
                + "- name: b\n  executable: " + show + "\n  additional_volumes:\n  - path: " + d + "/vol\n    writable: true\n"
                + "  - path: " + d + "/conf.yml\n");
        JobHost.Result first = h.bpm("run", h.job, "-p", "b");
        assertEquals(0, first.code(), first.err());
        assertEquals("own\n", first.out(), "the volume and the file, before the attack");
        JobHost.Result planted = h.bpm("run", h.job);
        assertEquals("planted\n", planted.out(), planted.err());

        JobHost.Result dir = h.bpm("run", h.job, "-p", "b");
        held("a sibling swaps a volume dir for a symlink to a host dir, then bpm run", "refused, target untouched",
                outcome(dir, victimDir, 0755),
                dir.code() == 1 && dir.lastErrLine().contains("refusing to follow the symlink at " + data.resolve("vol"))
                        && untouched(victimDir, 0755));

        Files.delete(data.resolve("vol"));   // as if the operator cleaned up the directory only
        JobHost.Result file = h.bpm("run", h.job, "-p", "b");
        held("a sibling swaps a file volume for a symlink to a host file, then bpm run", "refused, target untouched",
                outcome(file, victimFile, 0644),
                file.code() == 1 && file.lastErrLine().contains("refusing to follow the symlink at " + data.resolve("conf.yml"))
                        && untouched(victimFile, 0644));
    }

    private static String outcome(JobHost.Result r, Path victim, int mode) throws IOException {
        String root = victim.getParent().toString();
        return (r.code() == 0 ? "ran: " + r.out().strip()
                : "refused: " + r.lastErrLine().replaceAll(".*(refusing to [a-z ]+ at [^:]+).*", "$1").replace(root, "$ROOT"))
                + (untouched(victim, mode) ? ", target untouched" : ", TARGET CHANGED " + owner(victim) + " " + Integer.toOctalString(mode(victim)));
    }

    private static boolean untouched(Path victim, int mode) throws IOException {
        return owner(victim).equals("0:0") && mode(victim) == mode
                && (Files.isDirectory(victim) ? Files.readString(victim.resolve("victim-file")) : Files.readString(victim)).equals("keep\n");
    }

    /**
     * The race behind the previous test: a running sibling swaps the volume between a directory
     * and a symlink to a host directory as fast as it can (renameat2 RENAME_EXCHANGE), while the
     * other process is started again and again. Host preparation and the tape's re-check see a
     * directory, mount(2) in the child must not then follow a symlink to the host directory. (Before
     * the fix about one run in eight mounted the host directory; the deterministic version is
     * LaunchPlanTest#aVolumeSwappedForASymlinkAfterTheChecksIsNotWhatGetsMounted. Bounded to ~4 s.)
     */
    @Test
    void aVolumeSwappedDuringTheLaunchIsNeverMountedFromTheSymlink() throws Exception {
        JobHost h = host();
        Path victimDir = Files.createDirectories(h.root.resolve("victim-dir"));
        Files.writeString(victimDir.resolve("victim-file"), "keep\n");
        Path data = Files.createDirectories(h.root.resolve("data/" + h.job));
        String d = "/var/vcap/data/" + h.job;
        Path bin = h.root.resolve("packages/" + h.job + "/bin");
        Files.writeString(bin.resolve("swap.py"), """
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                os.chdir('%s')
                if not os.path.lexists('lnk'):
                    os.symlink('%s', 'lnk')
                print('swapping', flush=True)
                while True:
                    libc.syscall(316, -100, b'vol', -100, b'lnk', 2)
                """.formatted(d, victimDir));
        String swap = h.script("swap", "exec " + PYTHON + " /var/vcap/packages/" + h.job + "/bin/swap.py");
        String show = h.script("show", "ls -A " + d + "/vol");
        h.bpmYml("processes:\n- name: " + h.job + "\n  executable: " + swap + "\n  ephemeral_disk: true\n"
                + "- name: b\n  executable: " + show + "\n  additional_volumes:\n  - path: " + d + "/vol\n    writable: true\n");
        JobHost.Result first = h.bpm("run", h.job, "-p", "b");       // creates the volume
        assertEquals(0, first.code(), first.err());
        Files.writeString(data.resolve("vol/own-file"), "own\n");
        assertEquals(0, h.bpm("start", h.job).code());
        h.awaitOutput("swapping");

        int attempts = 0;
        int refused = 0;
        int clean = 0;
        List<String> escaped = new ArrayList<>();
        long deadline = System.nanoTime() + 4_000_000_000L;
        while (System.nanoTime() < deadline || attempts < 3) {
            JobHost.Result r = h.bpm("run", h.job, "-p", "b");
            attempts++;
            if (r.code() != 0) {
                refused++;
            } else if (r.out().contains("victim-file")) {
                escaped.add(r.out().strip());
            } else if (r.out().strip().equals("own-file")) {
                clean++;
            } else {
                escaped.add("unexpected: " + r.out().strip() + " " + r.err().strip());
            }
        }
        assertEquals(0, h.bpm("stop", h.job).code());
        held("a sibling swaps a volume dir <-> symlink while bpm run starts (" + attempts + " runs)",
                "never the symlink's target", refused + " refused, " + clean + " mounted its own, "
                        + escaped.size() + " mounted the host dir" + (escaped.isEmpty() ? "" : " " + escaped),
                escaped.isEmpty() && untouched(victimDir, 0755));
    }

    // ---- plan injection ----------------------------------------------------------------------

    @Test
    void newlinesAndHashesInValuesStayInsideTheirPlanLine() throws Exception {
        JobHost h = host();
        String inject = "mount bind / /var/vcap/data/x rbind,exec,rw # default";
        List<String> args = List.of("a # b", "c\nno-new-privs", "d\n" + inject, "\"q\" \\");
        String evil = "v\nenv LD_PRELOAD /tmp/x.so # default\r\n# comment";
        String exe = h.script("for a in \"$@\"; do printf '[%s]' \"$a\"; done; printf '{%s}{%s}' \"$EVIL\" \"$CLI\"");
        StringBuilder yml = new StringBuilder("processes:\n- name: " + h.job + "\n  executable: " + exe + "\n  args:\n");
        for (String a : args) yml.append("  - ").append(yamlString(a)).append('\n');
        yml.append("  env:\n    EVIL: ").append(yamlString(evil)).append('\n');
        h.bpmYml(yml.toString());
        Path ymlPath = h.root.resolve("jobs/" + h.job + "/config/bpm.yml");

        JobHost.Result compiled = h.bpm("compile", "--job", h.job, ymlPath.toString());
        assertEquals(0, compiled.code(), compiled.err());
        Plan plan = PlanText.read(compiled.out());
        List<String> argv = plan.one(Step.Exec.class).argv();
        List<String> tail = argv.subList(argv.indexOf("--") + 1, argv.size());
        String env = plan.steps(Step.Env.class).stream().filter(e -> e.name().equals("EVIL")).map(Step.Env::value)
                .findFirst().orElse(null);
        long lines = compiled.out().lines().filter(l -> !l.isBlank()).count();
        boolean injected = plan.steps(Step.Mount.class).stream().anyMatch(m -> m.source().equals("/"))
                || plan.steps(Step.NoNewPrivs.class).size() != 1
                || plan.steps(Step.Env.class).stream().anyMatch(e -> e.name().equals("LD_PRELOAD"));
        boolean ok = tail.equals(concat(exe, args)) && evil.equals(env) && lines == 5 + plan.steps().size() && !injected
                && Verifier.check(plan).isEmpty();
        held("args and env with newlines, '# ' and quotes: bpm compile, read back", "one line each, same values",
                ok ? "one line each, same values" : "argv " + tail + " env " + env + " lines " + lines + " steps "
                        + plan.steps().size() + (injected ? " INJECTED" : ""), ok);

        String want = "[a # b][c\nno-new-privs][d\n" + inject + "][\"q\" \\]{" + evil + "}";
        JobHost.Result run = h.bpm("run", h.job);
        JobHost.Result cached = h.bpm("run", h.job);
        JobHost.Result cli = h.bpm("run", h.job, "-e", "CLI=x\n" + inject);
        boolean same = run.out().equals(want + "{}") && cached.out().equals(want + "{}") && cli.out().equals(want + "{x\n" + inject + "}");
        held("the same values and a -e value, through bpm run and the plan cache", "the job gets them verbatim",
                same ? "verbatim" : run.out() + " / " + cached.out() + " / " + cli.out() + " / " + cli.err(),
                run.code() == 0 && cached.code() == 0 && cli.code() == 0 && same);

        h.bpmYml("processes:\n- name: \"p\\nexec /bin/sh # x\"\n  executable: " + exe + "\n");
        JobHost.Result name = h.bpm("compile", "--job", h.job, ymlPath.toString());
        held("a process name with a newline and '# '", "refused (BPM307)",
                name.code() == 1 && name.err().contains("BPM307") ? "refused (BPM307)" : "exit " + name.code() + ": " + name.out(),
                name.code() == 1 && name.err().contains("BPM307") && name.out().isEmpty());
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>(List.of(first));
        l.addAll(rest);
        return l;
    }

    /** A YAML double-quoted scalar. */
    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    // ---- small helpers -----------------------------------------------------------------------

    private static String hex() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String owner(Path p) throws IOException {
        return Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":" + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

}
