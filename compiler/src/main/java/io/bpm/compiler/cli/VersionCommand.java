package io.bpm.compiler.cli;

import io.bpm.compiler.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code bpm version}: the same as {@code bpm --version}, as today's bpm has both. */
@Command(name = "version", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Print the version of bpm.")
final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("bpm " + Version.get());
        return 0;
    }
}
