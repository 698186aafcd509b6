package io.bpm.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The JVM floor of a bpm command: a JVM that comes up, makes one FFM downcall and exits. bench
 * runs it from its own jar (bpm-bench-floor.jar, nothing else on the class path) with bin/bpm's
 * flags and an AOT cache trained on it, so what bpm adds on top of a JVM start can be told from
 * what any Java bpm pays.
 *
 * <p>The downcall has bpm's shape (io.bpm.executor.sys.Sys): the same descriptor and no options
 * (bpm captures no errno, its calls go through a trampoline of this shape), through an unbound
 * handle as bpm's, invoked once the same way, here for libc's getpid (which ignores the
 * arguments, as bpm's mmap and mprotect ignore the ones they do not take).
 * Nothing is printed: output would only time the terminal.
 * The class is kept free of JMH and of bpm's classes, so the jar holds this one class.
 */
public final class FloorMain {
    private FloorMain() { }

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor shape = FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        // unbound, the address its first argument, as bpm's one handle is
        MethodHandle call = linker.downcallHandle(shape);
        long pid = (long) call.invokeExact(linker.defaultLookup().find("getpid").orElseThrow(), 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        // the exit status says whether the call worked (bpm's monit path ends with Runtime.halt too)
        Runtime.getRuntime().halt(pid > 0 ? 0 : 1);
    }
}
