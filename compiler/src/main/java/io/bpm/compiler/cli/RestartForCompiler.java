package io.bpm.compiler.cli;

import io.bpm.executor.lifecycle.JobProcess;
import io.bpm.executor.lifecycle.PlanSupplier;
import io.bpm.executor.plan.VerifiedPlan;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Sys;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * monit's {@code bpm start} when the plan cache misses: the same command again, in this process
 * (execve of the same java with the same arguments and environment), with the AOT cache that
 * holds the compiler's classes instead of the small one of monit's commands.
 *
 * <p>Why: a JVM loads every class of its AOT cache as it starts, so monit's cache holds only
 * what a start from the plan cache and a stop load (16 MiB against 26; 15-20 ms and 11 MiB less
 * on every start and stop). A start whose plan must be compiled (once per job after a deploy
 * changed its bpm.yml) would run the compiler without cached classes, 1,160 against 420 ms;
 * started again with the full cache it pays one JVM start more instead.
 *
 * <p>bin/bpm asks for this with {@code -Dbpm.aot.compiler=CACHE} when it runs monit's cache;
 * the restarted command line has the full cache, no such property and not monit's
 * {@code -Xint}, so it restarts once at most and compiles with the JIT. What the start did before it asked for a plan (bpm.log's {@code starting}, the lock,
 * stale state cleaned, the sweep) is done again, and finds nothing left to do; the lock and
 * bpm.log are O_CLOEXEC and every other descriptor is made so. If the restart cannot be made
 * (no such property, no AOT cache argument, execve failing), the compiler runs here.
 */
record RestartForCompiler(PlanSupplier compiler, String cache) implements PlanSupplier {

    /** The system property bin/bpm sets to the full AOT cache when it runs monit's cache. */
    static final String PROPERTY = "bpm.aot.compiler";

    private static final String AOT_CACHE = "-XX:AOTCache=";

    /**
     * bin/jdk.sh's bpm_monit_flags: the compiler's code is hot, it runs with the JIT, which the
     * cache's training data is replayed for.
     */
    private static final byte[] INTERPRETER_ONLY = "-Xint".getBytes(UTF_8);
    private static final byte[] NO_TRAINING_REPLAY = "-XX:-AOTReplayTraining".getBytes(UTF_8);

    /** The java launcher's options whose value is the next argument. */
    private static final Set<String> VALUED = Set.of("-cp", "-classpath", "--class-path", "-p",
            "--module-path", "--upgrade-module-path", "--add-modules", "--limit-modules", "--enable-native-access",
            "--add-exports", "--add-opens", "--add-reads", "--patch-module");

    /** {@code compiler}, restarting with the full cache first when bin/bpm named one. */
    static PlanSupplier around(PlanSupplier compiler) {
        String cache = System.getProperty(PROPERTY);
        return cache == null || cache.isEmpty() ? compiler : new RestartForCompiler(compiler, cache);
    }

    @Override
    public String cacheVersion(String init) {
        return compiler.cacheVersion(init);
    }

    /** It replaces this process: a start must meet it with bpm.log open, which records the restart. */
    @Override
    public boolean compilesInPlace() {
        return false;
    }

    @Override
    public VerifiedPlan compile(Request request) throws JobProcess.Failed, IOException {
        List<byte[]> argv = commandLine(split(Files.readAllBytes(Path.of("/proc/self/cmdline"))), cache);
        if (argv != null) {
            if (request.log() != null) request.log().info("restarting-with-compiler-cache", "cache", cache);
            long errno = exec(argv, split(Files.readAllBytes(Path.of("/proc/self/environ"))));
            if (request.log() != null) {
                request.log().info("restart-failed.compiling-here", "errno", Long.toString(errno));
            }
        }
        return compiler.compile(request);
    }

    /**
     * This JVM's command line with {@code -XX:AOTCache=} set to {@code cache}, and this class's
     * property, {@code -Xint} and {@code -XX:-AOTReplayTraining} (monit's commands only) dropped, among the JVM's options only (before {@code -jar JAR} or the main class;
     * the command's own arguments are never touched); null when it has no AOT cache option.
     */
    static List<byte[]> commandLine(List<byte[]> argv, String cache) {
        List<byte[]> out = new ArrayList<>(argv.size());
        byte[] property = ("-D" + PROPERTY + "=").getBytes(UTF_8);
        byte[] option = AOT_CACHE.getBytes(UTF_8);
        boolean changed = false;
        int i = 0;
        if (!argv.isEmpty()) out.add(argv.get(i++));   // the java launcher
        while (i < argv.size()) {
            byte[] a = argv.get(i++);
            if (startsWith(a, property) || Arrays.equals(a, INTERPRETER_ONLY) || Arrays.equals(a, NO_TRAINING_REPLAY)) continue;
            if (startsWith(a, option)) {
                a = (AOT_CACHE + cache).getBytes(UTF_8);
                changed = true;
            }
            out.add(a);
            String word = a.length > 0 && a[0] == '-' && a.length < 24 ? new String(a, UTF_8) : "";
            if (a.length == 0 || a[0] != '-' || word.equals("-jar")) break;   // the main class or jar: options end
            if (VALUED.contains(word) && i < argv.size()) out.add(argv.get(i++));
        }
        while (i < argv.size()) out.add(argv.get(i++));
        return changed ? out : null;
    }

    /** NUL-terminated strings (/proc/self/cmdline, /proc/self/environ) as byte arrays. */
    static List<byte[]> split(byte[] text) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < text.length; i++) {
            if (text[i] == 0) {
                out.add(Arrays.copyOfRange(text, from, i));
                from = i + 1;
            }
        }
        if (from < text.length) out.add(Arrays.copyOfRange(text, from, text.length));
        return out;
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) return false;
        }
        return true;
    }

    /**
     * execve of this process's own executable; returns the errno only if it failed. Every
     * descriptor from 3 up is marked close-on-exec first and the signal mask emptied (the JVM's
     * threads block some signals; a new JVM must not inherit that).
     */
    private static long exec(List<byte[]> argv, List<byte[]> env) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = Struct.cString(arena, "/proc/self/exe");
            long r = Sys.raw(Nr.CLOSE_RANGE, 3, 0xffffffffL, Linux.CLOSE_RANGE_CLOEXEC);
            if (r < 0) return -r;
            MemorySegment empty = arena.allocate(8);   // zeroed: no signal blocked
            r = Sys.raw(Nr.RT_SIGPROCMASK, 2 /* SIG_SETMASK */, empty.address(), 0, 8);
            if (r < 0) return -r;
            r = Sys.raw(Nr.EXECVE, path.address(), pointers(arena, argv).address(), pointers(arena, env).address());
            return -r;
        }
    }

    /** A NULL-terminated array of pointers to NUL-terminated copies of {@code strings}. */
    private static MemorySegment pointers(Arena arena, List<byte[]> strings) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, Struct.cString(arena, strings.get(i)));
        }
        return array;
    }
}
