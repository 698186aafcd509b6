package io.bpm.executor.systemd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection and the wire format against a real dbus-daemon, which checks every message it routes. */
class BusConnectionTest {
    private static TestBus bus;

    @BeforeAll
    static void startBus() throws Exception {
        bus = TestBus.start();
    }

    @AfterAll
    static void stopBus() throws Exception {
        if (bus != null) bus.close();
    }

    private static long soon() {
        return System.nanoTime() + Duration.ofSeconds(10).toNanos();
    }

    private static Message callDBus(BusConnection c, String member, String sig, Object... args) throws IOException {
        return c.call(Message.methodCall(BusConnection.DBUS, BusConnection.DBUS_PATH, BusConnection.DBUS, member, sig, args), soon());
    }

    @Test
    void helloGivesAUniqueNameThatListNamesShows() throws IOException {
        try (BusConnection c = bus.connect()) {
            assertTrue(c.uniqueName().matches(":[0-9]+\\.[0-9]+"), c.uniqueName());
            Message names = callDBus(c, "ListNames", "");
            assertEquals("as", names.signature());
            List<?> list = (List<?>) names.body().get(0);
            assertTrue(list.contains("org.freedesktop.DBus"), list.toString());
            assertTrue(list.contains(c.uniqueName()), list.toString());
            Message id = callDBus(c, "GetId", "");
            assertTrue(((String) id.body().get(0)).matches("[0-9a-f]{32}"), id.body().toString());
        }
    }

    @Test
    void theAbstractAddressWorksAndAListTriesEachInTurn() throws IOException {
        try (BusConnection c = BusConnection.open(bus.abstractAddress, Duration.ofSeconds(10))) {
            assertEquals(c.uniqueName(), callDBus(c, "GetNameOwner", "s", c.uniqueName()).body().get(0));
        }
        String list = "tcp:host=localhost,port=1;unix:path=" + bus.dir.resolve("missing") + ";" + bus.pathAddress;
        try (BusConnection c = BusConnection.open(list, Duration.ofSeconds(10))) {
            assertTrue(c.uniqueName().startsWith(":"));
        }
        IOException e = assertThrows(IOException.class,
                () -> BusConnection.open("unix:path=" + bus.dir.resolve("missing"), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("connect failed: ENOENT"), e.getMessage());
        e = assertThrows(IOException.class, () -> BusConnection.open("tcp:host=localhost,port=1", Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("names no unix socket"), e.getMessage());
    }

    @Test
    void anErrorReplyIsADBusErrorAndTheConnectionGoesOn() throws IOException {
        try (BusConnection c = bus.connect()) {
            DBusError e = assertThrows(DBusError.class, () -> callDBus(c, "GetNameOwner", "s", "org.example.Missing"));
            assertEquals("org.freedesktop.DBus.Error.NameHasNoOwner", e.name());
            assertTrue(e.getMessage().contains("org.example.Missing"), e.getMessage());
            assertEquals("org.freedesktop.DBus", callDBus(c, "GetNameOwner", "s", "org.freedesktop.DBus").body().get(0));
        }
    }

    @Test
    void aMatchedSignalArrivesEvenWhenItCameBeforeTheReplyAwaited() throws IOException {
        try (BusConnection c = bus.connect()) {
            callDBus(c, "AddMatch", "s", "type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged'");
            String second;
            try (BusConnection other = bus.connect()) {
                second = other.uniqueName();
            }
            // a call after the signals were sent: its reply comes after them, so they are kept
            callDBus(c, "GetId", "");
            assertTrue(c.kept().stream().anyMatch(m -> "NameOwnerChanged".equals(m.member())), c.kept().toString());
            Message came = c.await(m -> "NameOwnerChanged".equals(m.member())
                    && m.body().equals(List.of(second, "", second)), soon());
            assertEquals("/org/freedesktop/DBus", came.path());
            assertEquals("sss", came.signature());
            Message went = c.await(m -> "NameOwnerChanged".equals(m.member())
                    && m.body().equals(List.of(second, second, "")), soon());
            assertEquals("org.freedesktop.DBus", went.sender());
        }
    }

    @Test
    void awaitingPastTheDeadlineIsATimeout() throws IOException {
        try (BusConnection c = bus.connect()) {
            long t0 = System.nanoTime();
            assertThrows(SocketTimeoutException.class,
                    () -> c.await(m -> false, System.nanoTime() + Duration.ofMillis(200).toNanos()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 200 && ms < 5000, ms + " ms");
        }
    }

    /** Every supported type, sent through the daemon (which validates it) and echoed back. */
    @Test
    void everyTypeRoundTripsThroughTheDaemon() throws IOException {
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("Description", new Variant("s", "bpm test é ☃"));
        dict.put("MemoryMax", new Variant("t", -1L));
        dict.put("PIDs", new Variant("au", List.of(1L, 4294967295L)));
        dict.put("Nested", new Variant("v", new Variant("a{sv}", Map.of("k", new Variant("y", (byte) 3)))));
        dict.put("Empty", new Variant("a(sa(sv))", List.of()));
        Map<Long, Object> byNumber = new LinkedHashMap<>();
        byNumber.put(7L, List.of(List.of((byte) 1, new Variant("b", true))));
        byNumber.put(0L, List.of());
        byte[] big = new byte[300_000];                        // several reads, and sends, of the 64 KiB buffer
        new java.util.Random(13).nextBytes(big);
        String sig = "ybnqiuxtdsog" + "a{sv}" + "(y(yt)y)" + "ay" + "ay" + "as" + "a(yv)" + "a{ua(yv)}" + "yat" + "v";
        List<Object> body = new ArrayList<>(List.of(
                (byte) 0xff, false, (short) -2, 65535, Integer.MIN_VALUE, 4294967295L, Long.MIN_VALUE, -1L, 1.5e300,
                "", "/org/freedesktop/systemd1/unit/bpm_2dprobe_2etest_2escope", "a(sa(sv))",
                dict,
                List.of((byte) 1, List.of((byte) 2, 3L), (byte) 4),
                new byte[0], big,
                List.of(),
                List.of(List.of((byte) 9, new Variant("(ybt)", List.of((byte) 5, true, 6L)))),
                byNumber,
                (byte) 1, List.of(10L, 11L),
                new Variant("ay", new byte[] {42})));
        try (BusConnection a = bus.connect(); BusConnection b = bus.connect()) {
            Message sent = b.send(Message.methodCall(a.uniqueName(), "/bpm/test", "io.bpm.Test", "Echo", sig,
                    body.toArray()), soon());
            Message call = a.await(m -> "Echo".equals(m.member()), soon());
            assertEquals(b.uniqueName(), call.sender());
            assertEquals(sig, call.signature());
            assertBodyEquals(body, call.body());
            a.send(Message.methodReturn(call, call.signature(), call.body()), soon());
            Message reply = b.await(m -> m.replySerial() == sent.serial(), soon());
            assertEquals(Message.Type.METHOD_RETURN, reply.type());
            assertBodyEquals(body, reply.body());
        }
    }

    @Test
    void aCallToUsIsAnsweredUnknownMethodUnlessAwaited() throws IOException {
        try (BusConnection a = bus.connect(); BusConnection b = bus.connect()) {
            Message sent = b.send(Message.methodCall(a.uniqueName(), "/", "io.bpm.Test", "Nothing", ""), soon());
            callDBus(a, "GetId", "");                          // a reads, and answers, b's call meanwhile
            Message reply = b.await(m -> m.replySerial() == sent.serial(), soon());
            assertEquals(Message.Type.ERROR, reply.type());
            assertEquals("org.freedesktop.DBus.Error.UnknownMethod", reply.errorName());
        }
    }

    /** A peer that breaks the protocol: every way is an IOException that says what, never another exception. */
    @Test
    void aPeerThatBreaksTheProtocolIsAClearIOException() throws Exception {
        byte[] ok = "OK 0123456789abcdef0123456789abcdef\r\n".getBytes(StandardCharsets.US_ASCII);
        assertPeerFails("refused authentication as uid", "REJECTED EXTERNAL\r\n".getBytes(StandardCharsets.US_ASCII));
        assertPeerFails("authentication line longer than 512 bytes", new byte[600]);
        assertPeerFails("closed the connection", ok);
        byte[] garbage = java.util.Arrays.copyOf(ok, ok.length + 16);
        garbage[ok.length] = 'x';
        assertPeerFails("sent a malformed message: a message starts with byte 120, not 'l' or 'B'", garbage);
        byte[] huge = java.util.Arrays.copyOf(ok, ok.length + 16);
        System.arraycopy(new byte[] {'l', 2, 0, 1, 0, 0, 0, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0}, 0, huge, ok.length, 16);
        assertPeerFails("over bpm's bound", huge);
    }

    /** Serves one connection on a unix socket of the test's own: reads the AUTH line, writes {@code answer}, ends its side. */
    private static void assertPeerFails(String why, byte[] answer) throws Exception {
        java.nio.file.Path path = bus.dir.resolve("fake-" + System.nanoTime());
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(path));
            Thread peer = Thread.ofVirtual().start(() -> {
                try (var c = server.accept()) {
                    var in = java.nio.ByteBuffer.allocate(1024);
                    while (!new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).contains("\r\n")) {
                        if (c.read(in) < 0) return;
                    }
                    c.write(java.nio.ByteBuffer.wrap(answer));
                    c.shutdownOutput();                         // end of stream, then read all until the client gives up
                    while (c.read(in.clear()) >= 0) { }
                } catch (Exception ignored) {
                    // the client gave up first
                }
            });
            IOException e = assertThrows(IOException.class,
                    () -> BusConnection.open("unix:path=" + path, Duration.ofSeconds(5)).close());
            assertTrue(e.getMessage().contains(why), e.getMessage());
            peer.join();
        } finally {
            java.nio.file.Files.deleteIfExists(path);
        }
    }

    /** byte[] has no value equality: compare them as lists. */
    static void assertBodyEquals(List<Object> want, List<Object> got) {
        assertEquals(normal(want), normal(got));
    }

    static Object normal(Object o) {
        if (o instanceof byte[] b) {
            List<Byte> l = new ArrayList<>();
            for (byte x : b) l.add(x);
            return List.of("bytes", l);
        }
        if (o instanceof List<?> l) return l.stream().map(BusConnectionTest::normal).toList();
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> n = new LinkedHashMap<>();
            m.forEach((k, v) -> n.put(k, normal(v)));
            return n;
        }
        if (o instanceof Variant v) return List.of("variant", v.signature(), normal(v.value()));
        return o;
    }
}
