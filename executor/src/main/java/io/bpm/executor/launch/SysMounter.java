package io.bpm.executor.launch;

import io.bpm.executor.host.Mounter;
import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Linux;
import io.bpm.executor.sys.Nr;
import io.bpm.executor.sys.Sys;
import io.bpm.executor.sys.SysException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * The {@code share} step's mount(2) calls in the host's mount namespace, through the sys layer
 * (bpm-behaviour.md §5.3): bind a volume onto itself, make it MS_SHARED, or undo the bind.
 * Called by {@link io.bpm.executor.host.HostPreparation} on the launching thread, which must be
 * in the host's mount namespace (it always is: the launch stub's child gets the new one).
 *
 * <p>Paths are used as given: HostPreparation has just walked them without meeting a symlink a
 * job could have planted.
 */
public final class SysMounter implements Mounter {

    public static final SysMounter INSTANCE = new SysMounter();

    private SysMounter() {
    }

    @Override
    public void bindOntoItself(Path path) throws IOException {
        mount(path.toString(), path.toString(), null, Linux.MS_BIND, "bind onto itself");
    }

    @Override
    public void makeShared(Path path) throws IOException {
        mount("none", path.toString(), null, Linux.MS_SHARED, "make shared");
    }

    @Override
    public void unmount(Path path) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            long r = Sys.raw(Nr.UMOUNT2, Struct.cString(a, path.toString()).address(), 0);
            if (r < 0) {
                throw new IOException("umount2(\"" + path + "\", 0)", new SysException("umount2", "\"" + path + "\", 0", (int) -r));
            }
        }
    }

    private static void mount(String source, String target, String type, long flags, String what) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            long r = Sys.raw(Nr.MOUNT, Struct.cString(a, source).address(), Struct.cString(a, target).address(),
                    type == null ? 0 : Struct.cString(a, type).address(), flags, 0);
            if (r < 0) {
                SysException e = new SysException("mount", "\"" + source + "\", \"" + target + "\", "
                        + (type == null ? "NULL" : "\"" + type + "\"") + ", 0x" + Long.toHexString(flags) + ", NULL", (int) -r);
                throw new IOException(what + " " + target + ": " + e.getMessage(), e);
            }
        }
    }
}
