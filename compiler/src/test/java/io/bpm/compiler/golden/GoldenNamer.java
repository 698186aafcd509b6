package io.bpm.compiler.golden;

import java.io.File;
import org.approvaltests.namer.ApprovalNamer;

/** Puts approved and received files next to their input under golden/, named after it. */
record GoldenNamer(File dir, String base) implements ApprovalNamer {
    @Override
    public File getApprovedFile(String extension) {
        return new File(dir, base + ".approved" + extension);
    }

    @Override
    public File getReceivedFile(String extension) {
        return new File(dir, base + ".received" + extension);
    }

    @Override
    public ApprovalNamer addAdditionalInformation(String info) {
        return new GoldenNamer(dir, base + "." + info);
    }

    @Override
    public String getAdditionalInformation() {
        return "";
    }

    @Override
    public String getApprovalName() {
        return base;
    }

    @Override
    public String getSourceFilePath() {
        return dir.getPath() + File.separator;
    }
}
