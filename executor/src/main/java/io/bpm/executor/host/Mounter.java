package io.bpm.executor.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The mount(2) operations host preparation needs for a {@code share} step (bpm-behaviour.md
 * §5.3): bind a volume onto itself in the host's mount namespace and make it a shared mount, so
 * that mounts made inside it by one job propagate to every job that binds it.
 *
 * <p>An interface because mount(2) is not reachable from plain Java: the FFM sys layer implements
 * it; tests use a recording fake. Paths are absolute host paths that {@link HostPreparation} has
 * just walked without meeting a symlink a job could have planted; an implementation that can
 * should still resolve them without following symlinks (openat2 with RESOLVE_NO_SYMLINKS below
 * the BOSH root, then operate on {@code /proc/self/fd/N}) to close the window between that walk
 * and the mount.
 */
public interface Mounter {

    /** Whether the path is already a mount point (then it is not bound onto itself again). */
    default boolean isMountPoint(Path path) throws IOException {
        return MountTable.isMountPoint(path);
    }

    /** {@code mount(path, path, NULL, MS_BIND, NULL)}. */
    void bindOntoItself(Path path) throws IOException;

    /** {@code mount("none", path, NULL, MS_SHARED, NULL)}: shared propagation for this mount. */
    void makeShared(Path path) throws IOException;

    /** {@code umount2(path, 0)}: undoes {@link #bindOntoItself} when sharing failed. */
    void unmount(Path path) throws IOException;

    /**
     * A mounter for an executor built without the sys layer: any plan with a {@code share} step
     * fails with a message that says so, instead of silently not sharing.
     */
    Mounter UNAVAILABLE = new Mounter() {
        @Override
        public void bindOntoItself(Path path) throws IOException {
            throw unavailable(path);
        }

        @Override
        public void makeShared(Path path) throws IOException {
            throw unavailable(path);
        }

        @Override
        public void unmount(Path path) throws IOException {
            throw unavailable(path);
        }

        private IOException unavailable(Path path) {
            return new IOException("cannot share " + path + ": this executor has no mount(2) implementation");
        }
    };
}
