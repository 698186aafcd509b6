package io.bpm.compiler.release.jruby;

import io.bpm.compiler.release.TemplateEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jruby.Ruby;
import org.jruby.RubyArray;
import org.jruby.RubyInstanceConfig;
import org.jruby.RubyThread;
import org.jruby.exceptions.RaiseException;
import org.jruby.runtime.ThreadContext;
import org.jruby.runtime.builtin.IRubyObject;

/**
 * The template engine on JRuby: one Ruby runtime, loaded with bpm's evaluation context
 * (template_context.rb) and locked down before any template runs, evaluating templates one at a
 * time on a worker thread of its own so that a template that runs too long can be interrupted
 * (and, if it will not stop, abandoned with its runtime).
 *
 * <p>Loaded by {@code io.bpm.compiler.release.Engines} in a class loader that sees JRuby; it must
 * not be referenced from anywhere else.
 */
public final class JRubyEngine implements TemplateEngine {
    /** How long a template that was told to stop may take to do so before it is abandoned. */
    private static final long GRACE_MILLIS = 1000;

    private final ExecutorService worker;
    private final Ruby runtime;
    private volatile boolean abandoned;

    public JRubyEngine() {
        worker = Executors.newSingleThreadExecutor(r -> {
            // a deep template recursion should end in SystemStackError, not take the JVM's stack
            Thread t = new Thread(null, r, "bpm-template", 16L << 20);
            t.setDaemon(true);
            return t;
        });
        // Started on the caller's thread, not the worker: the worker must not be the runtime's main
        // thread, since killing that one (a template that will not stop) would exit the runtime.
        try {
            runtime = boot();
        } catch (IOException e) {
            throw new IllegalStateException("JRuby does not start: " + e.getMessage(), e);
        }
    }

    private static Ruby boot() throws IOException {
        RubyInstanceConfig config = new RubyInstanceConfig();
        config.setLoader(JRubyEngine.class.getClassLoader());
        config.setDisableGems(true);
        config.setDisableRUBYOPT(true);
        config.setDisableDidYouMean(true);
        config.setDisableErrorHighlight(true);
        config.setDisableSyntaxSuggest(true);
        config.setNativeEnabled(false);
        config.setObjectSpaceEnabled(false);
        config.setHardExit(false);
        // templates are short and run once: the interpreter starts at once, compiling does not pay
        config.setCompileMode(RubyInstanceConfig.CompileMode.OFF);
        config.setInput(new ByteArrayInputStream(new byte[0]));
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        config.setOutput(nowhere);
        config.setError(nowhere);
        config.setCurrentDirectory("/");
        Ruby ruby = Ruby.newInstance(config);
        String prelude;
        try (InputStream in = JRubyEngine.class.getResourceAsStream("template_context.rb")) {
            if (in == null) throw new IOException("template_context.rb is missing from the jar");
            prelude = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ruby.executeScript(prelude, "template_context.rb");
        ruby.evalScriptlet("BpmTemplate.lock_down");
        return ruby;
    }

    @Override
    public Outcome render(String ruby, String path, String specJson, String linksJson, long outputLimit, long timeoutMillis) {
        if (abandoned) throw new IllegalStateException("this engine was abandoned by a template that would not stop");
        AtomicReference<RubyThread> thread = new AtomicReference<>();
        Future<Outcome> job = worker.submit(() -> {
            ThreadContext context = runtime.getCurrentContext();
            thread.set(context.getThread());
            try {
                IRubyObject result = runtime.getModule("BpmTemplate").callMethod(context, "render", new IRubyObject[] {
                        runtime.newString(ruby), runtime.newString(path), runtime.newString(specJson),
                        runtime.newString(linksJson), runtime.newFixnum(outputLimit)});
                return outcome((RubyArray<?>) result);
            } catch (OutOfMemoryError e) {
                return new Failure(Cause.MEMORY, "NoMemoryError", "the template exhausted the memory", 0);
            } catch (StackOverflowError e) {
                return new Failure(Cause.RAISED, "SystemStackError", "stack level too deep", 0);
            } catch (RaiseException e) {
                // a Java error the template's rescue cannot see (a stack overflow in JRuby's interpreter)
                IRubyObject exception = e.getException();
                int line = (int) runtime.getModule("BpmTemplate").callMethod(context, "line_of",
                        new IRubyObject[] {exception, runtime.newString(path)}).convertToInteger().getLongValue();
                String cls = exception.getMetaClass().getName();
                return cls.endsWith("StackOverflowError")
                        ? new Failure(Cause.RAISED, "SystemStackError", "stack level too deep", line)
                        : new Failure(Cause.RAISED, cls, exception.callMethod(context, "message").asJavaString(), line);
            }
        });
        try {
            return job.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return stop(job, thread.get(), timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.cancel(true);
            return new Failure(Cause.TIMEOUT, "Interrupt", "interrupted", 0);
        } catch (ExecutionException e) {
            return new Failure(Cause.RAISED, e.getCause().getClass().getSimpleName(), String.valueOf(e.getCause().getMessage()), 0);
        }
    }

    /** Raises BpmTemplate::Limit in the template; a template that swallows it is abandoned. */
    private Outcome stop(Future<Outcome> job, RubyThread thread, long timeoutMillis) {
        Failure timeout = new Failure(Cause.TIMEOUT, "Timeout", "the template ran longer than " + timeoutMillis + " ms", 0);
        if (thread != null) {
            IRubyObject limit = runtime.getModule("BpmTemplate").getConstant("Limit");
            thread.raise(limit.callMethod(runtime.getCurrentContext(), "new", runtime.newString("time")));
        }
        try {
            Outcome o;
            try {
                o = job.get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException swallowed) {
                // the template rescued the Limit: Thread#kill, which no rescue catches (only ensure runs)
                if (thread != null) thread.kill();
                o = job.get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
                return timeout;
            }
            // stopped by the Limit raised into it: where it was then is the template line that loops
            if (o instanceof Failure f && f.cause() == Cause.TIMEOUT) return new Failure(Cause.TIMEOUT, timeout.rubyClass(), timeout.message(), f.line());
            if (o instanceof Failure f && f.cause() != Cause.RAISED) return f;
            return timeout;
        } catch (TimeoutException | ExecutionException e) {
            // not even killed (an ensure that does not end): the thread and its runtime are left
            abandoned = true;
            job.cancel(true);
            return timeout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return timeout;
        }
    }

    private static Outcome outcome(RubyArray<?> result) {
        if (result.size() == 1) {
            RubyArray<?> parts = (RubyArray<?>) result.eltInternal(0);
            List<Integer> ids = new ArrayList<>(parts.size() / 2);
            List<String> texts = new ArrayList<>(parts.size() / 2);
            for (int i = 0; i + 1 < parts.size(); i += 2) {
                ids.add((int) parts.eltInternal(i).convertToInteger().getLongValue());
                texts.add(parts.eltInternal(i + 1).asJavaString());
            }
            return new Output(List.copyOf(ids), List.copyOf(texts));
        }
        String cls = result.eltInternal(1).asJavaString();
        String message = result.eltInternal(2).asJavaString();
        int line = (int) result.eltInternal(3).convertToInteger().getLongValue();
        Cause cause = switch (cls) {
            case "BpmTemplate::Limit" -> message.equals("output") ? Cause.OUTPUT_LIMIT : Cause.TIMEOUT;
            case "NoMemoryError" -> Cause.MEMORY;
            default -> Cause.RAISED;
        };
        return new Failure(cause, cls, message, line);
    }

    /** True when a template would not stop and this engine must not be used again. */
    public boolean abandoned() {
        return abandoned;
    }
}
