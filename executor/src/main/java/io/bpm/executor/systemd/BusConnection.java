package io.bpm.executor.systemd;

import io.bpm.executor.sys.Sys;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A client connection to a message bus: the unix socket, SASL EXTERNAL, {@code Hello}, serials,
 * and the messages that arrive. Messages that arrive while a reply is awaited (signals, calls to
 * us) are kept, in order and up to a bound, so a signal sent before the reply it follows is
 * not lost; {@link #await} looks at them first. Not thread-safe: one caller at a time.
 */
final class BusConnection implements AutoCloseable {
    static final String DBUS = "org.freedesktop.DBus";
    static final String DBUS_PATH = "/org/freedesktop/DBus";

    /** Kept messages beyond this are dropped oldest first: a bus storm must not grow memory. */
    private static final int MAX_KEPT = 4096;
    private static final int MAX_AUTH_LINE = 512;

    private final UnixSocket socket;
    private final BusAddress address;
    private final Deque<Message> kept = new ArrayDeque<>();
    private byte[] in = new byte[4096];
    private int inStart, inEnd;
    private long serial;
    private String uniqueName;
    private IOException broken;

    private BusConnection(UnixSocket socket, BusAddress address) {
        this.socket = socket;
        this.address = address;
    }

    /**
     * Connects to the first reachable address of {@code address}, authenticates as this process's
     * effective uid and says {@code Hello}, all before {@code timeout} runs out.
     */
    static BusConnection open(String address, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException first = null;
        for (BusAddress a : BusAddress.parse(address)) {
            UnixSocket s;
            try {
                s = UnixSocket.connect(a);
            } catch (IOException e) {
                if (first == null) first = e; else first.addSuppressed(e);
                continue;
            }
            BusConnection c = new BusConnection(s, a);
            try {
                c.authenticateAndHello(deadline);
                return c;
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        throw first;
    }

    /** The unique name the bus gave us, e.g. {@code :1.42}. */
    String uniqueName() {
        return uniqueName;
    }

    private void authenticateAndHello(long deadline) throws IOException {
        // The credentials byte, then EXTERNAL with the uid as decimal text in hex (the kernel's
        // SO_PEERCRED tells the bus who we are; this only names whom we claim to be).
        String uid = Integer.toUnsignedString(Sys.geteuid());
        StringBuilder hex = new StringBuilder();
        for (char digit : uid.toCharArray()) hex.append('3').append(digit);   // '0'..'9' are 0x30..0x39
        socket.send(("\0AUTH EXTERNAL " + hex + "\r\n").getBytes(StandardCharsets.US_ASCII), deadline);
        String line = readAuthLine(deadline);
        if (!line.startsWith("OK ")) {
            throw new IOException("D-Bus at " + address + " refused authentication as uid " + uid + ": " + line);
        }
        // BEGIN and Hello in one write: the bus reads messages right after BEGIN's line.
        Message hello = Message.methodCall(DBUS, DBUS_PATH, DBUS, "Hello", "").withSerial(++serial);
        byte[] begin = "BEGIN\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] helloBytes = hello.encode();
        byte[] both = Arrays.copyOf(begin, begin.length + helloBytes.length);
        System.arraycopy(helloBytes, 0, both, begin.length, helloBytes.length);
        socket.send(both, deadline);
        Message reply = awaitReply(hello, deadline);
        if (!reply.signature().equals("s")) throw unexpected("Hello", reply);
        uniqueName = (String) reply.body().get(0);
    }

    private String readAuthLine(long deadline) throws IOException {
        while (true) {
            for (int i = inStart; i + 1 < inEnd; i++) {
                if (in[i] == '\r' && in[i + 1] == '\n') {
                    String line = new String(in, inStart, i - inStart, StandardCharsets.US_ASCII);
                    inStart = i + 2;
                    return line;
                }
            }
            if (inEnd - inStart >= MAX_AUTH_LINE) {
                throw new IOException("D-Bus at " + address + " sent an authentication line longer than "
                        + MAX_AUTH_LINE + " bytes");
            }
            fill(deadline);
        }
    }

    /** Sends {@code m} with the next serial; returns it as sent. */
    Message send(Message m, long deadline) throws IOException {
        usable();
        Message numbered = m.withSerial(++serial);
        if (serial > 0xFFFF_FFFFL) throw new IOException("D-Bus connection to " + address + " ran out of serials");
        try {
            socket.send(numbered.encode(), deadline);
        } catch (IOException e) {
            throw broken(e);                                    // part of a message may be out: the stream is lost
        }
        return numbered;
    }

    private void usable() throws IOException {
        if (broken != null) {
            throw new IOException("D-Bus connection to " + address + " is unusable since: " + broken.getMessage(), broken);
        }
    }

    private IOException broken(IOException e) {
        if (broken == null) {
            broken = e;
            socket.close();
        }
        return e;
    }

    /** Calls a method and returns its reply; an error reply is a {@link DBusError}. */
    Message call(Message call, long deadline) throws IOException {
        return awaitReply(send(call, deadline), deadline);
    }

    private Message awaitReply(Message call, long deadline) throws IOException {
        long s = call.serial();
        Message reply;
        try {
            reply = await(m -> (m.type() == Message.Type.METHOD_RETURN || m.type() == Message.Type.ERROR)
                    && m.replySerial() == s, deadline);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("D-Bus at " + address + " gave no reply to " + call.iface() + "."
                    + call.member() + " in time");
        }
        if (reply.type() == Message.Type.ERROR) throw new DBusError(reply.errorName(), reply.text());
        return reply;
    }

    /**
     * The first message, kept or arriving, that {@code wanted} accepts. Signals it does not want
     * are kept; replies to calls nobody awaits any more are dropped; calls to us are answered
     * with UnknownMethod (bpm serves nothing) so their callers do not wait.
     */
    Message await(Predicate<Message> wanted, long deadline) throws IOException {
        for (Iterator<Message> it = kept.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (wanted.test(m)) {
                it.remove();
                return m;
            }
        }
        while (true) {
            Message m = readMessage(deadline);
            if (wanted.test(m)) return m;
            switch (m.type()) {
                case SIGNAL -> keep(m);
                case METHOD_CALL -> {
                    if ((m.flags() & Message.NO_REPLY_EXPECTED) == 0 && m.sender() != null) {
                        send(Message.error(m, "org.freedesktop.DBus.Error.UnknownMethod",
                                "bpm serves no methods: " + m.iface() + "." + m.member()), deadline);
                    }
                }
                default -> { }                                  // stale replies and unknown types are dropped
            }
        }
    }

    private void keep(Message m) {
        if (kept.size() >= MAX_KEPT) kept.removeFirst();
        kept.addLast(m);
    }

    /** The signals kept so far that nobody awaited yet, oldest first. */
    List<Message> kept() {
        return List.copyOf(kept);
    }

    /**
     * The next message. A timeout keeps what has arrived, so the stream stays in step; any other
     * failure (a malformed message, a closed socket) makes the connection unusable.
     */
    private Message readMessage(long deadline) throws IOException {
        usable();
        try {
            while (inEnd - inStart < Message.FIXED_HEADER) fill(deadline);
            int total = Message.totalLength(in, inStart);
            while (inEnd - inStart < total) fill(deadline);
            Message m = Message.decode(in, inStart, total);
            inStart += total;
            return m;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (WireException e) {
            throw broken(new WireException("D-Bus at " + address + " sent a malformed message: " + e.getMessage()));
        } catch (IOException e) {
            throw broken(e);
        }
    }

    /** Reads more bytes into the input buffer, compacting and growing it as needed. */
    private void fill(long deadline) throws IOException {
        if (inStart == inEnd) {
            inStart = inEnd = 0;
        } else if (inStart > 0 && in.length - inEnd < 4096) {
            System.arraycopy(in, inStart, in, 0, inEnd - inStart);
            inEnd -= inStart;
            inStart = 0;
        }
        if (in.length - inEnd < 4096) in = Arrays.copyOf(in, Math.min(in.length * 2 + 4096, Message.MAX_MESSAGE + 8192));
        inEnd += socket.receive(in, inEnd, in.length - inEnd, deadline);
    }

    IOException unexpected(String what, Message reply) {
        return new IOException("D-Bus at " + address + ": " + what + " returned \"" + reply.signature()
                + "\", not what its API declares");
    }

    @Override
    public void close() {
        socket.close();
    }
}
