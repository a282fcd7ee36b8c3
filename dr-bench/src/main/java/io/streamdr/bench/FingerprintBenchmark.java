package io.streamdr.bench;

import io.streamdr.core.verify.Fingerprinter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The cost of a record digest in verification: {@link Fingerprinter} (two hardware CRCs over a length-prefixed
 * encoding) against the SHA-256 digest it replaced (the first 64 bits of SHA-256 over the same encoding), measured in
 * the same run over the same records, rounds alternating. Prints MB/s (keys and values) and the ratio.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.FingerprintBenchmark [rounds, default 7]}
 */
public final class FingerprintBenchmark {
  private static final int RECORDS = 20_000;
  private static final int PASSES = 25;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Random random = new Random(5);
    byte[][] keys = new byte[RECORDS][];
    byte[][] values = new byte[RECORDS][];
    long bytes = 0;
    for (int i = 0; i < RECORDS; i++) {
      keys[i] = ("{\"id\":" + i + "}").getBytes();
      values[i] = new byte[1024];
      random.nextBytes(values[i]);
      bytes += keys[i].length + values[i].length;
    }
    double mb = bytes * (double) PASSES / 1e6;
    Fingerprinter crc = new Fingerprinter();
    Sha256Fingerprinter sha = new Sha256Fingerprinter();
    List<Double> crcRuns = new ArrayList<>();
    List<Double> shaRuns = new ArrayList<>();
    long sink = 0;
    for (int round = 0; round < rounds + 1; round++) { // round 0 warms both up and is not counted
      long t0 = System.nanoTime();
      for (int p = 0; p < PASSES; p++) {
        for (int i = 0; i < RECORDS; i++) {
          sink ^= crc.digest(keys[i], values[i], List.of(), i);
        }
      }
      long t1 = System.nanoTime();
      for (int p = 0; p < PASSES; p++) {
        for (int i = 0; i < RECORDS; i++) {
          sink ^= sha.digest(keys[i], values[i], i);
        }
      }
      long t2 = System.nanoTime();
      if (round > 0) {
        crcRuns.add(mb / ((t1 - t0) / 1e9));
        shaRuns.add(mb / ((t2 - t1) / 1e9));
      }
    }
    double c = BackupBenchmark.median(crcRuns);
    double s = BackupBenchmark.median(shaRuns);
    System.out.printf(Locale.ROOT, "%d records of ~1 KiB x %d passes, %d rounds (medians); checksum %d%n", RECORDS, PASSES, rounds, sink & 1);
    System.out.printf(Locale.ROOT, "SHA-256 digest (before): %.0f MB/s%n", s);
    System.out.printf(Locale.ROOT, "Fingerprinter (CRC-32C + CRC-32): %.0f MB/s = %.1f x%n", c, c / s);
    System.out.printf(Locale.ROOT, "rounds SHA-256: %s%nrounds Fingerprinter: %s%n", round(shaRuns), round(crcRuns));
  }

  /** The digest verification used before: 64 bits of SHA-256 over the same length-prefixed encoding. */
  private static final class Sha256Fingerprinter {
    private final MessageDigest sha;
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES);

    Sha256Fingerprinter() throws Exception {
      sha = MessageDigest.getInstance("SHA-256");
    }

    long digest(byte[] key, byte[] value, long timestamp) {
      sha.reset();
      bytes(key);
      bytes(value);
      number(0);
      number(timestamp);
      return ByteBuffer.wrap(sha.digest()).getLong();
    }

    private void bytes(byte[] b) {
      number(b.length);
      sha.update(b);
    }

    private void number(long n) {
      scratch.clear();
      scratch.putLong(n);
      sha.update(scratch.array(), 0, Long.BYTES);
    }
  }

  private static List<Long> round(List<Double> values) {
    return values.stream().map(Math::round).toList();
  }
}
