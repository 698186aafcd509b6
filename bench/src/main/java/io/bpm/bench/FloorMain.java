package io.bpm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The JVM floor of a bpm command: a JVM that comes up, makes one FFM downcall and exits. bench
 * runs it from its own jar (bpm-bench-floor.jar, nothing else on the class path) with bin/bpm's
 * flags and an AOT cache trained on it, so what bpm adds on top of a JVM start can be told from
 * what any Java bpm pays.
 *
 * <p>The downcall is bpm's own (io.bpm.executor.sys.Sys): libc's variadic {@code syscall} with
 * the same descriptor and options (first variadic argument, errno captured), invoked once the
 * same way, here for getpid. A simpler handle would spin a different, cheaper stub and make the
 * floor lower than bpm can ever be. Nothing is printed: output would only time the terminal.
 * The class is kept free of JMH and of bpm's classes, so the jar holds this one class.
 */
public final class FloorMain {
    private FloorMain() { }

    /** x86-64 getpid, as io.bpm.executor.sys.Nr has it. */
    private static final long GETPID = 39;

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor shape = FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        Linker.Option[] options = {Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno")};
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(), shape, options);
        MemorySegment capture = Arena.ofAuto().allocate(Linker.Option.captureStateLayout());
        long pid = (long) syscall.invokeExact(capture, GETPID, 0L, 0L, 0L, 0L, 0L, 0L);
        // the exit status says whether the call worked (bpm's main exits through System.exit too)
        System.exit(pid > 0 ? 0 : 1);
    }
}
