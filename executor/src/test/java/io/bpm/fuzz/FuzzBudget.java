package io.bpm.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.AroundTryHook;
import net.jqwik.api.lifecycle.FalsifiedSample;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.TryExecutionResult;
import net.jqwik.api.lifecycle.TryExecutor;
import net.jqwik.api.lifecycle.TryLifecycleContext;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.opentest4j.AssertionFailedError;

/**
 * The budget of every fuzz property (a jqwik lifecycle hook: {@code @AddLifecycleHook(FuzzBudget.class)}
 * on the container). In CI the properties run with the fixed seeds and try counts written on
 * them, so a run is reproducible and takes seconds. The long mode ({@code bench/fuzz}) changes
 * that through system properties:
 *
 * <ul>
 *   <li>{@code fuzz.tries=N}: N inputs per property instead of the annotation's count;</li>
 *   <li>{@code fuzz.scale=K}: K times the annotation's count (the counts there are balanced by
 *       cost: a property of huge inputs has few tries);</li>
 *   <li>{@code fuzz.seconds=S}: a time budget per property (tries unbounded unless
 *       {@code fuzz.tries} is given too); the property stops at the first try after S seconds;</li>
 *   <li>{@code fuzz.seed=N|random}: another seed than the annotation's ({@code random}: a fresh
 *       one, printed, so a failure can be replayed with {@code fuzz.seed=N});</li>
 *   <li>{@code fuzz.timeout=S}: the bound on one input (default 10 s: it catches a hang, it is not
 *       a speed goal; checks run in one worker thread, abandoned on a timeout);</li>
 *   <li>{@code fuzz.out=DIR}: where the summary and failures go (default {@code target/fuzz}).</li>
 * </ul>
 * Generation is always random (never jqwik's exhaustive mode), and runs of more than 20,000 tries
 * leave out jqwik's edge cases, whose combinations would fill the heap (CI's runs mix them in).
 *
 * <p>Every property appends one line to {@code DIR/summary.txt}: inputs tried, seed, time,
 * outcome counts ({@link #count}) and the status. A failing property also writes
 * {@code DIR/failures/CLASS.METHOD-seedN.txt} (the error, the seed, the original and the shrunk
 * input described) and the falsifying inputs themselves ({@link FuzzInput#bytes()}) beside it.
 */
public final class FuzzBudget implements AroundPropertyHook, AroundTryHook {
    private static final ThreadLocal<Run> CURRENT = new ThreadLocal<>();

    /** One property's run: its deadline and outcome counters. */
    private static final class Run {
        final long deadline;
        final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();

        Run(long deadline) {
            this.deadline = deadline;
        }
    }

    // ---- used by the properties ------------------------------------------------------------------

    /** The bound on one input: a hang fails the property instead of wedging the build. */
    public static Duration perInput() {
        return Duration.ofSeconds(Long.getLong("fuzz.timeout", 10));
    }

    /** The thread that runs the checks: one for all inputs (a thread per input costs more than many checks). */
    private static ExecutorService worker = newWorker();

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-input");
            t.setDaemon(true); // an abandoned (hanging) check does not keep the JVM alive
            return t;
        });
    }

    /**
     * Runs one input's check under {@link #perInput()} in a worker thread, as JUnit's
     * assertTimeoutPreemptively does but without a new thread per input: on timeout the check is
     * interrupted and abandoned with its thread, and the property fails naming the input.
     */
    public static synchronized <T> T bounded(String what, ThrowingSupplier<T> check) {
        Future<T> result = worker.submit(() -> {
            try {
                return check.get();
            } catch (Throwable t) {
                throw new CheckFailed(t);
            }
        });
        try {
            return result.get(perInput().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionFailedError("no answer within " + perInput().toSeconds() + " s (a hang?): " + what);
        } catch (ExecutionException e) {
            Throwable t = e.getCause() instanceof CheckFailed c ? c.getCause() : e.getCause();
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error err) throw err;
            throw new AssertionFailedError("the check threw " + t, t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted: " + what, e);
        }
    }

    /** Carries anything the check threw (errors included) out of the worker unchanged. */
    private static final class CheckFailed extends Exception {
        CheckFailed(Throwable cause) {
            super(cause);
        }
    }

    /** Counts an outcome of the current property (e.g. "lint-clean", "refused by the verifier"), for the summary. */
    public static void count(String outcome) {
        Run run = CURRENT.get();
        if (run != null) run.outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    /** Where summaries and failures are written. */
    public static Path outDir() {
        return Path.of(System.getProperty("fuzz.out", "target/fuzz"));
    }

    // ---- the hook ----------------------------------------------------------------------------------

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Integer tries = Integer.getInteger("fuzz.tries");
        String scale = System.getProperty("fuzz.scale");
        String seconds = System.getProperty("fuzz.seconds");
        long budgetNanos = seconds == null || seconds.isBlank() ? Long.MAX_VALUE : (long) (Double.parseDouble(seconds) * 1e9);
        if (tries != null) {
            context.attributes().setTries(tries);
        } else if (scale != null && !scale.isBlank()) {
            int ci = context.attributes().tries().orElse(1000);
            context.attributes().setTries((int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.round(ci * Double.parseDouble(scale)))));
        } else if (budgetNanos != Long.MAX_VALUE) {
            context.attributes().setTries(100_000_000);
        }
        // never exhaustive: a property over a finite domain would otherwise stop early in long runs
        context.attributes().setGeneration(GenerationMode.RANDOMIZED);
        // jqwik sizes its edge cases by the tries: combined edge cases of nested combinators for
        // millions of tries fill the heap. Long runs do without; CI's runs mix them in.
        if (context.attributes().tries().orElse(1000) > 20_000) context.attributes().setEdgeCases(EdgeCasesMode.NONE);
        String seed = System.getProperty("fuzz.seed");
        if (seed != null && !seed.isBlank()) {
            context.attributes().setSeed(seed.equals("random") ? Long.toString(new SecureRandom().nextLong()) : seed);
        }
        long start = System.nanoTime();
        double cpuStart = processCpuSeconds();
        Run run = new Run(budgetNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + budgetNanos);
        CURRENT.set(run);
        PropertyExecutionResult result;
        try {
            result = property.execute();
        } finally {
            CURRENT.remove();
        }
        String name = context.containerClass().getSimpleName() + "." + context.targetMethod().getName();
        String failure = result.status() == PropertyExecutionResult.Status.SUCCESSFUL ? null : saveFailure(name, result);
        summarise(name, result, run, (System.nanoTime() - start) / 1e9, processCpuSeconds() - cpuStart, failure);
        return result;
    }

    @Override
    public TryExecutionResult aroundTry(TryLifecycleContext context, TryExecutor aTry, List<Object> parameters) {
        Run run = CURRENT.get();
        if (run != null && System.nanoTime() - run.deadline > 0) return TryExecutionResult.satisfied(true);
        return aTry.execute(parameters);
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS; // put on the class, it governs each of its properties
    }

    @Override
    public int aroundPropertyProximity() {
        return -100; // outermost: sees jqwik's final result, shrinking included
    }

    // ---- reporting ---------------------------------------------------------------------------------

    /** CPU time of the whole test JVM (GC and JIT included): a measure of cost that other builds on the machine do not inflate. */
    private static double processCpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    private static void summarise(String name, PropertyExecutionResult result, Run run, double secs, double cpu, String failure) {
        Map<String, Long> counts = new TreeMap<>();
        run.outcomes.forEach((k, v) -> counts.put(k, v.get()));
        String line = String.format(Locale.ROOT, "fuzz %-58s %9d inputs %7.1f s (cpu %6.1f s)  seed %s  %s%s%s",
                name, result.countTries(), secs, cpu, result.seed().orElse("-"), result.status(),
                counts.isEmpty() ? "" : "  " + counts, failure == null ? "" : "  -> " + failure);
        System.out.println(line);
        append(outDir().resolve("summary.txt"), line + "\n");
    }

    private static String saveFailure(String name, PropertyExecutionResult result) {
        String seed = result.seed().orElse("unknown");
        Path dir = outDir().resolve("failures");
        Path report = dir.resolve(name + "-seed" + seed + ".txt");
        StringBuilder b = new StringBuilder();
        b.append("property ").append(name).append('\n');
        b.append("seed ").append(seed).append("   (replay: bench/fuzz with -Dfuzz.seed=").append(seed)
                .append(", or @Property(seed = \"").append(seed).append("\"))\n");
        b.append("tries ").append(result.countTries()).append(", checks ").append(result.countChecks()).append('\n');
        result.throwable().ifPresent(t -> b.append("\n== error\n").append(stackTrace(t)));
        try {
            Files.createDirectories(dir);
            result.originalSample().ifPresent(s -> describe(b, "original", s, dir, name + "-seed" + seed));
            result.shrunkSample().ifPresent(s -> describe(b, "shrunk", s, dir, name + "-seed" + seed));
            Files.writeString(report, b.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report.toString();
    }

    private static void describe(StringBuilder b, String which, FalsifiedSample sample, Path dir, String base) {
        b.append("\n== ").append(which).append(" sample\n");
        sample.falsifyingError().ifPresent(t -> b.append("error: ").append(t).append('\n'));
        List<Object> params = sample.parameters();
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof FuzzInput in) {
                Path file = dir.resolve(base + "-" + which + "-" + i + in.suffix());
                try {
                    Files.write(file, in.bytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                b.append("parameter ").append(i).append(": ").append(cut(in.describe())).append("\n  input saved as ").append(file).append('\n');
            } else {
                b.append("parameter ").append(i).append(": ").append(cut(String.valueOf(p))).append('\n');
            }
        }
    }

    private static String cut(String s) {
        return s.length() <= 20_000 ? s : s.substring(0, 20_000) + "... (" + s.length() + " characters)";
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static synchronized void append(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
