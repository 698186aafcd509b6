package io.bpm.bench;

import io.bpm.compiler.Frontend;
import io.bpm.compiler.source.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Warm lint throughput: parse + decode + schema + rules of every corpus config, in memory.
 * configs/s = ops/s x the number of configs (printed by bench/lint).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LintBenchmark {
    private List<SourceFile> corpus;

    @Setup
    public void load() throws IOException {
        Path dir = Path.of(System.getProperty("bpm.corpus", "../shared/corpus/real"));
        try (Stream<Path> s = Files.walk(dir)) {
            corpus = s.filter(f -> f.toString().endsWith(".bpm.yml")).sorted().map(f -> {
                try {
                    return SourceFile.ofText(f.toString(), Files.readString(f, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        if (corpus.isEmpty()) throw new IllegalStateException("no corpus under " + dir);
    }

    /** One op = the whole corpus. */
    @Benchmark
    public void lintCorpus(Blackhole bh) {
        for (SourceFile f : corpus) bh.consume(Frontend.check(f, new Frontend.Options("bench", false)));
    }
}
