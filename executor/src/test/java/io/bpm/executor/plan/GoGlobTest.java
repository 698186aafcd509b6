package io.bpm.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoGlobTest {

    private static void touch(Path root, String... relative) throws IOException {
        for (String r : relative) {
            Path p = root.resolve(r);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
        }
    }

    @Test
    void expandsSegmentBySegmentInSortedOrder(@TempDir Path root) throws IOException {
        touch(root, "jobs/web/config/indicators.yml", "jobs/web/config/secrets.yml", "jobs/api/config/indicators.yml",
                "jobs/Zed/config/indicators.yml", "jobs/notadir");
        String r = root.toString();
        assertEquals(List.of(r + "/jobs/Zed/config/indicators.yml", r + "/jobs/api/config/indicators.yml",
                        r + "/jobs/web/config/indicators.yml"),
                GoGlob.glob(r + "/jobs/*/config/indicators.yml"));
        assertEquals(List.of(r + "/jobs/web/config/indicators.yml", r + "/jobs/web/config/secrets.yml"),
                GoGlob.glob(r + "/jobs/w?b/config/*"));
        assertEquals(List.of(r + "/jobs/api", r + "/jobs/notadir", r + "/jobs/web"), GoGlob.glob(r + "/jobs/[a-z]*"));
        assertEquals(List.of(r + "/jobs/Zed"), GoGlob.glob(r + "/jobs/[^a-z]*"));
        assertEquals(List.of(), GoGlob.glob(r + "/nothing/*/here"));
        // a match that is not a directory is not descended into (Go ignores the I/O error)
        assertEquals(List.of(), GoGlob.glob(r + "/jobs/notadi?/x"));
    }

    @Test
    void starMatchesDotFilesButNeverASlash(@TempDir Path root) throws IOException {
        touch(root, "d/.hidden", "d/shown", "d/sub/deep");
        String r = root.toString();
        assertEquals(List.of(r + "/d/.hidden", r + "/d/shown", r + "/d/sub"), GoGlob.glob(r + "/d/*"));
        assertEquals(List.of(r + "/d/sub/deep"), GoGlob.glob(r + "/d/*/deep"));
    }

    @Test
    void literalPathsAreReturnedAsWrittenIfTheyExist(@TempDir Path root) throws IOException {
        touch(root, "a/b");
        String r = root.toString();
        assertEquals(List.of(r + "//a/./b"), GoGlob.glob(r + "//a/./b"), "no meta: Go lstats and returns the pattern itself");
        assertEquals(List.of(), GoGlob.glob(r + "/a/c"));
        assertEquals(List.of(), GoGlob.glob(""));
        Files.createSymbolicLink(root.resolve("dangling"), root.resolve("nowhere"));
        assertEquals(List.of(r + "/dangling"), GoGlob.glob(r + "/dangling"), "lstat: a dangling symlink exists");
        assertEquals(List.of(r + "/dangling"), GoGlob.glob(r + "/dangl*"), "listing does not stat the names");
    }

    @Test
    void escapesAndBadPatterns(@TempDir Path root) throws IOException {
        touch(root, "x/*", "x/a");
        String r = root.toString();
        assertEquals(List.of(r + "/x/*"), GoGlob.glob(r + "/x/\\*"));
        assertEquals(List.of(r + "/x/*", r + "/x/a"), GoGlob.glob(r + "/x/*"));
        for (String bad : List.of(r + "/x/[", r + "/nothing/[a", r + "/x/[]", r + "/x/a\\", r + "/[z-]/a")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoGlob.glob(bad), bad);
            assertTrue(e.getMessage().startsWith(GoGlob.GO_ERROR), e.getMessage());
        }
    }

    @Test
    void matchIsGosMatch() {
        assertTrue(GoGlob.match("*.yml", "a.yml"));
        assertFalse(GoGlob.match("*", "a/b"));
        assertTrue(GoGlob.match("a?c", "aéc"), "? is one character, not one byte");
        assertTrue(GoGlob.match("[é]", "é"));
        assertTrue(GoGlob.match("[z-a]", "z") == false, "reversed ranges are valid and match nothing");
        assertTrue(GoGlob.match("a*b*c", "axxbyyc"));
        assertFalse(GoGlob.match("a*b", "a/b"));
        assertTrue(GoGlob.match("\\[", "["));
        assertThrows(IllegalArgumentException.class, () -> GoGlob.match("[", "x"));
        assertThrows(IllegalArgumentException.class, () -> GoGlob.match("x*[", "y"), "Go reports the error after a mismatch too");
    }

    @Test
    void namesSortByUtf8BytesLikeGo(@TempDir Path root) throws IOException {
        assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
                "file names are not UTF-8 in this JVM (sun.jnu.encoding=" + System.getProperty("sun.jnu.encoding") + ")");
        // UTF-16 order puts the emoji (a surrogate pair, D83D) before U+FF21; UTF-8 puts it after (F0 > EF)
        touch(root, "u/\uD83D\uDE00", "u/\uFF21", "u/a");
        String r = root.toString();
        assertEquals(List.of(r + "/u/a", r + "/u/\uFF21", r + "/u/\uD83D\uDE00"), GoGlob.glob(r + "/u/*"));
    }
}
