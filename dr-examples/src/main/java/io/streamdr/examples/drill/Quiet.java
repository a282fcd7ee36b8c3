package io.streamdr.examples.drill;

import java.io.OutputStream;
import java.io.PrintStream;

/** Runs code with standard output discarded, for embedded components that print instead of logging. */
final class Quiet {
  private Quiet() {}

  static synchronized void run(Runnable body) {
    PrintStream original = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
  }
}
