package org.dma4j.cli;

/**
 * The CLI's logger level. slf4j-simple reads its level once, when the first logger is made, so
 * this runs before any library class logs: {@code --verbose} means debug, otherwise info.
 */
final class Logging {
    static final String LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Logging() {}

    static void verbose(boolean on) {
        if (on) {
            System.setProperty(LEVEL, "debug");
        }
    }
}
