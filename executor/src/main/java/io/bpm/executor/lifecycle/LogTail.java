package io.bpm.executor.lifecycle;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * {@code bpm logs}: what bpm 1.4 runs {@code tail [-f] [-q] -n N FILE...} for, in Java
 * (bpm-behaviour.md §7.4). The last N lines of each file, with GNU tail's {@code ==> FILE <==}
 * headers when there are several files (unless quiet), then, when following, whatever is
 * appended, as it comes.
 *
 * <p>Following keeps up with what happens to log files on a BOSH VM: a file truncated in place
 * (logrotate's {@code copytruncate}, which BOSH's own rotation uses) is read again from its
 * start, with a note on standard error, as GNU tail does; a file renamed away and replaced by a
 * new one ({@code create} rotation) is read to its end, then the new file is followed from its
 * start (GNU tail needs {@code -F} for that; bpm 1.4's {@code -f} would stay on the renamed
 * file forever). A file that disappears is waited for. The files are polled (every
 * {@code poll}), not watched with inotify: a few fstat calls a tick cost nothing, and polling has
 * no watch limit to run out of.
 *
 * <p>Bytes are copied as they are: no decoding, so a log with invalid UTF-8 or a partial last
 * line comes out unchanged.
 */
public final class LogTail implements AutoCloseable {

    private static final int CHUNK = 64 * 1024;
    /** How many of the last bytes printed are kept to recognise a file truncated and written again between two looks. */
    private static final int WITNESS = 64;

    /** One followed file: the path, the channel open on it now, what of it was printed, and which file it is. */
    private static final class Followed {
        final Path path;
        FileChannel channel;
        long position;
        Object key;
        /** The last bytes printed, those before {@code position}. */
        byte[] witness = new byte[0];

        Followed(Path path) {
            this.path = path;
        }
    }

    private final List<Followed> files;
    private final boolean headers;
    private final OutputStream out;
    private final PrintStream warnings;
    private Followed lastPrinted;
    private boolean anyHeader;

    private LogTail(List<Followed> files, boolean headers, OutputStream out, PrintStream warnings) {
        this.files = files;
        this.headers = headers;
        this.out = out;
        this.warnings = warnings;
    }

    /**
     * Opens the files, in order.
     *
     * @param quiet    no {@code ==> FILE <==} headers even for several files
     * @param warnings where notes on truncated and replaced files go (standard error)
     * @throws NoSuchFileException when a file does not exist (bpm: {@code logs not found})
     */
    public static LogTail open(List<Path> paths, boolean quiet, OutputStream out, PrintStream warnings) throws IOException {
        List<Followed> files = new ArrayList<>();
        LogTail tail = new LogTail(files, !quiet && paths.size() > 1, out, warnings);
        try {
            for (Path p : paths) {
                Followed f = new Followed(p);
                files.add(f);
                open(f);
            }
        } catch (IOException | RuntimeException e) {
            tail.close();
            throw e;
        }
        return tail;
    }

    private static void open(Followed f) throws IOException {
        // NOFOLLOW is not wanted here: a job's log may legitimately be a symlink; this only reads
        f.channel = FileChannel.open(f.path, StandardOpenOption.READ);
        f.position = 0;
        f.witness = new byte[0];
        f.key = Files.readAttributes(f.path, BasicFileAttributes.class).fileKey();
    }

    /** Prints the last {@code lines} lines of each file (a last line without a newline counts), with headers. */
    public void printLast(int lines) throws IOException {
        if (lines < 0) throw new IllegalArgumentException("a negative number of lines: " + lines);
        for (Followed f : files) {
            long size = f.channel.size();
            long start = startOfLastLines(f.channel, size, lines);
            header(f);
            copy(f, start, size);
        }
        out.flush();
    }

    /**
     * Prints what is appended to the files until {@code stopped} says so, checking every
     * {@code poll}. Call after {@link #printLast}, which sets where each file is read from.
     */
    public void follow(BooleanSupplier stopped, Duration poll) throws IOException {
        while (!stopped.getAsBoolean()) {
            for (Followed f : files) {
                step(f);
            }
            out.flush();
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One look at a followed file: replaced? truncated? grown? */
    private void step(Followed f) throws IOException {
        Object now;
        try {
            now = Files.readAttributes(f.path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            now = null;   // renamed or deleted, and not yet created again: stay on the old file
        }
        long size = f.channel.size();
        if (size < f.position || size > f.position && !witnessed(f)) {
            // shorter: truncated; as long, but what was printed last is not there: truncated and written again
            warnings.println("bpm logs: " + f.path + ": file truncated");
            f.position = 0;
            f.witness = new byte[0];
        }
        if (size > f.position) {
            header(f);
            copy(f, f.position, size);
        }
        if (now != null && !Objects.equals(now, f.key)) {
            // the old file has been read to its end above; what the job writes now goes to the new one
            warnings.println("bpm logs: " + f.path + " has been replaced; following the new file");
            f.channel.close();
            try {
                open(f);
            } catch (NoSuchFileException e) {
                f.channel = FileChannel.open(Path.of("/dev/null"));   // gone again: try at the next tick
                f.key = null;
            }
        }
    }

    /** Whether the bytes printed last are still right before the position. */
    private static boolean witnessed(Followed f) throws IOException {
        int n = f.witness.length;
        if (n == 0) return true;
        ByteBuffer buf = ByteBuffer.allocate(n);
        long at = f.position - n;
        while (buf.hasRemaining()) {
            int r = f.channel.read(buf, at + buf.position());
            if (r <= 0) return false;
        }
        return java.util.Arrays.equals(buf.array(), f.witness);
    }

    private void header(Followed f) throws IOException {
        if (headers && lastPrinted != f) {
            // GNU tail: a blank line before every header but the first
            out.write(((anyHeader ? "\n" : "") + "==> " + f.path + " <==\n").getBytes(StandardCharsets.UTF_8));
            anyHeader = true;
        }
        lastPrinted = f;
    }

    private void copy(Followed f, long from, long to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long pos = from;
        while (pos < to) {
            buf.clear().limit((int) Math.min(CHUNK, to - pos));
            int n = f.channel.read(buf, pos);
            if (n <= 0) break;
            out.write(buf.array(), 0, n);
            pos += n;
            int keep = Math.min(WITNESS, n);
            byte[] w = new byte[Math.min(WITNESS, f.witness.length + keep)];
            int old = w.length - keep;   // the end of the previous witness, then the end of this chunk
            System.arraycopy(f.witness, f.witness.length - old, w, 0, old);
            System.arraycopy(buf.array(), n - keep, w, old, keep);
            f.witness = w;
        }
        f.position = pos;
    }

    /**
     * Where the last {@code lines} lines of the first {@code size} bytes start: after the
     * {@code lines}-th newline counted back from the end, a final newline not counted (it ends
     * the last line); 0 when the file has fewer lines.
     */
    static long startOfLastLines(FileChannel ch, long size, int lines) throws IOException {
        if (lines == 0 || size == 0) return size;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long end = size;
        int found = 0;
        while (end > 0) {
            long begin = Math.max(0, end - CHUNK);
            buf.clear().limit((int) (end - begin));
            long read = 0;
            while (read < end - begin) {
                int n = ch.read(buf, begin + read);
                if (n <= 0) throw new IOException("the file shrank while it was read");
                read += n;
            }
            for (int i = (int) (end - begin) - 1; i >= 0; i--) {
                // the file's final newline ends the last line: it does not start one
                if (buf.get(i) == '\n' && begin + i != size - 1 && ++found == lines) return begin + i + 1;
            }
            end = begin;
        }
        return 0;
    }

    @Override
    public void close() {
        for (Followed f : files) {
            try {
                if (f.channel != null) f.channel.close();
            } catch (IOException e) {
                // read-only: nothing to lose
            }
        }
    }
}
