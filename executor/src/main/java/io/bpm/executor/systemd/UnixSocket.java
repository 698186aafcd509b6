package io.bpm.executor.systemd;

import io.bpm.executor.sys.Struct;
import io.bpm.executor.sys.Errno;
import io.bpm.executor.sys.Sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;


/**
 * A connected AF_UNIX stream socket through bpm's one syscall handle ({@link Sys#raw}): socket,
 * connect, sendto and recvfrom with MSG_DONTWAIT, and poll for the deadline. Chosen over
 * java.nio's SocketChannel (with a Selector for the deadline) because bpm has already made the
 * syscall handle when it gets here: connect + Hello + GetId in a fresh JVM loaded 35 classes
 * this way against 314 with NIO (median 56 ms against 164 ms on the loaded 2-CPU host), and
 * NIO's UnixDomainSocketAddress cannot reach Linux's abstract namespace.
 */
final class UnixSocket implements AutoCloseable {
    // x86-64 syscall numbers and uapi constants; bpm runs on x86-64 only (see sys.Nr)
    private static final int NR_POLL = 7, NR_SOCKET = 41, NR_CONNECT = 42, NR_SENDTO = 44, NR_RECVFROM = 45;
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
    private static final short POLLIN = 0x1, POLLOUT = 0x4;
    private static final int SUN_PATH = 108;
    private static final int BUFFER = 64 << 10;

    private final String address;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);
    private final MemorySegment pollfd = arena.allocate(8, 4);
    private int fd = -1;

    private UnixSocket(String address) {
        this.address = address;
    }

    static UnixSocket connect(BusAddress to) throws IOException {
        byte[] name = to.name().getBytes(StandardCharsets.UTF_8);
        int length = name.length + 1;             // an abstract name's leading NUL, or a path's trailing one
        if (length > SUN_PATH) throw new IOException("D-Bus socket name is too long for AF_UNIX: " + to);
        UnixSocket s = new UnixSocket(to.toString());
        try {
            long fd = Sys.raw(NR_SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw s.failure("socket", fd);
            s.fd = (int) fd;
            MemorySegment sa = s.buffer;
            sa.asSlice(0, 2 + SUN_PATH).fill((byte) 0);
            Struct.putShort(sa, 0, (short) AF_UNIX);
            Struct.putBytes(sa, to.isAbstract() ? 3 : 2, name, 0, name.length);
            // a path is NUL-terminated; an abstract name is exactly its bytes after the leading NUL
            long r = Sys.raw(NR_CONNECT, s.fd, sa.address(), 2 + length);
            if (r < 0) throw s.failure("connect", r);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends all of {@code data}, waiting for room until {@code deadline} (System.nanoTime). */
    void send(byte[] data, long deadline) throws IOException {
        int done = 0;
        while (done < data.length) {
            int n = Math.min(BUFFER, data.length - done);
            Struct.putBytes(buffer, 0, data, done, n);
            long r = Sys.raw(NR_SENDTO, fd, buffer.address(), n, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
            if (r == -Errno.EINTR) continue;
            if (r == -Errno.EAGAIN) {
                await(POLLOUT, deadline);
                continue;
            }
            if (r < 0) throw failure("sendto", r);
            done += (int) r;
        }
    }

    /**
     * Receives what has arrived (at least one byte) into {@code into[off, off + max)}, waiting
     * until {@code deadline}; returns the count. End of stream is an IOException.
     */
    int receive(byte[] into, int off, int max, long deadline) throws IOException {
        while (true) {
            long r = Sys.raw(NR_RECVFROM, fd, buffer.address(), Math.min(max, BUFFER), MSG_DONTWAIT, 0, 0);
            if (r > 0) {
                Struct.getBytes(buffer, 0, into, off, (int) r);
                return (int) r;
            }
            if (r == 0) throw new IOException("D-Bus at " + address + " closed the connection");
            if (r == -Errno.EAGAIN) {
                await(POLLIN, deadline);
            } else if (r != -Errno.EINTR) {
                throw failure("recvfrom", r);
            }
        }
    }

    private void await(short events, long deadline) throws IOException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new SocketTimeoutException("no answer from D-Bus at " + address + " in time");
            int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000));
            Struct.putInt(pollfd, 0, fd);
            Struct.putShort(pollfd, 4, events);
            Struct.putShort(pollfd, 6, (short) 0);
            long r = Sys.raw(NR_POLL, pollfd.address(), 1, ms);
            if (r > 0) return;                                  // ready, or an error the next call reports
            if (r < 0 && r != -Errno.EINTR) throw failure("poll", r);
        }
    }

    private IOException failure(String call, long r) {
        return new IOException("D-Bus at " + address + ": " + call + " failed: " + Errno.describe((int) -r));
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Sys.raw(io.bpm.executor.sys.Nr.CLOSE, fd);
            fd = -1;
        }
        if (arena.scope().isAlive()) arena.close();
    }
}
