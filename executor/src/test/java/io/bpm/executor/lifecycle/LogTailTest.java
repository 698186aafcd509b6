package io.bpm.executor.lifecycle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bpm logs} without tail: GNU tail's output for -n and headers, and following across truncation and rotation. */
class LogTailTest {

    @TempDir
    Path dir;

    private String last(String content, int lines) throws IOException {
        Path f = Files.writeString(dir.resolve("f.log"), content);
        try (FileChannel ch = FileChannel.open(f)) {
            long start = LogTail.startOfLastLines(ch, ch.size(), lines);
            return content.substring((int) start);
        }
    }

    @Test
    void theLastNLinesAsGnuTailCountsThem() throws IOException {
        assertEquals("b\nc\n", last("a\nb\nc\n", 2));
        assertEquals("c", last("a\nb\nc", 1), "a last line without a newline counts");
        assertEquals("b\nc", last("a\nb\nc", 2));
        assertEquals("a\nb\nc\n", last("a\nb\nc\n", 10));
        assertEquals("", last("a\nb\n", 0));
        assertEquals("", last("", 3));
        assertEquals("\n", last("\n\n", 1), "an empty last line");
        assertEquals("\n\n", last("x\n\n\n", 2));
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 20_000; i++) big.append("line ").append(i).append('\n');   // several 64 KiB chunks
        assertEquals("line 19997\nline 19998\nline 19999\n", last(big.toString(), 3));
        assertEquals(big.toString().substring(big.indexOf("line 10000\n")), last(big.toString(), 10_000));
    }

    @Test
    void severalFilesGetHeadersUnlessQuiet() throws IOException {
        Path a = Files.writeString(dir.resolve("a.log"), "a1\na2\n");
        Path b = Files.writeString(dir.resolve("b.log"), "b1\n");
        assertEquals("==> " + a + " <==\na2\n\n==> " + b + " <==\nb1\n", print(List.of(a, b), false, 1));
        assertEquals("a2\nb1\n", print(List.of(a, b), true, 1));
        assertEquals("a1\na2\n", print(List.of(a), false, 5), "one file: no header");
        assertThrows(NoSuchFileException.class, () -> print(List.of(a, dir.resolve("missing.log")), false, 1));
    }

    private static String print(List<Path> files, boolean quiet, int lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LogTail t = LogTail.open(files, quiet, out, System.err)) {
            t.printLast(lines);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void followingSurvivesTruncationAndRotation() throws Exception {
        Path log = Files.writeString(dir.resolve("job.stdout.log"), "old\nlast\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        AtomicBoolean stop = new AtomicBoolean();
        Thread follower;
        try (LogTail t = LogTail.open(List.of(log), false, out, new PrintStream(notes, true, StandardCharsets.UTF_8))) {
            t.printLast(1);
            follower = Thread.ofPlatform().start(() -> {
                try {
                    t.follow(stop::get, Duration.ofMillis(5));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            await(() -> text(out).equals("last\n"));
            append(log, "appended\n");
            await(() -> text(out).equals("last\nappended\n"));
            Files.writeString(log, "");                           // copytruncate
            await(() -> text(notes).contains("file truncated"));
            append(log, "after truncation\n");
            await(() -> text(out).endsWith("appended\nafter truncation\n"));
            append(log, "late in the old file\n");
            Files.move(log, dir.resolve("job.stdout.log.1"));      // create-style rotation
            Files.writeString(log, "in the new file\n");
            await(() -> text(out).endsWith("after truncation\nlate in the old file\nin the new file\n"));
            assertTrue(text(notes).contains("has been replaced"), text(notes));
            stop.set(true);
            follower.join(5_000);
        }
        assertEquals("last\nappended\nafter truncation\nlate in the old file\nin the new file\n", text(out));
    }

    @Test
    void aFileTruncatedAndRewrittenBetweenTwoLooksIsReadFromItsStart() throws Exception {
        Path log = Files.writeString(dir.resolve("x.log"), "one\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LogTail t = LogTail.open(List.of(log), false, out, new PrintStream(new ByteArrayOutputStream()))) {
            t.printLast(5);
            Files.writeString(log, "a longer line\n");   // shorter than before never, so only the witness tells
            AtomicBoolean once = new AtomicBoolean();
            t.follow(() -> once.getAndSet(true), Duration.ofMillis(1));
        }
        assertEquals("one\na longer line\n", text(out));
    }

    private static void append(Path p, String s) throws IOException {
        Files.writeString(p, s, StandardOpenOption.APPEND);
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private static void await(Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cond.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out");
            Thread.sleep(5);
        }
    }
}
