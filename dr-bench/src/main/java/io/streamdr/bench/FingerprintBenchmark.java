package io.streamdr.bench;

import io.streamdr.core.verify.Fingerprinter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The cost of a record digest in verification: {@link Fingerprinter} (two hardware CRCs over a length-prefixed
 * encoding, a record's small fields gathered into one update of each CRC) against the same CRCs updated field by
 * field (the Fingerprinter before it gathered) and the SHA-256 digest it replaced (the first 64 bits of SHA-256 over
 * the same encoding), measured in the same run over the same records, rounds alternating; for records of 1 KiB and of
 * 100 bytes of value. Prints MB/s (keys and values) and the ratios.
 *
 * <p>Usage: {@code java -cp "dr-bench/target/dr-bench.jar:dr-bench/target/lib/*" io.streamdr.bench.FingerprintBenchmark [rounds, default 7]}
 */
public final class FingerprintBenchmark {
  private static final int RECORDS = 20_000;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    for (int valueBytes : new int[] {1024, 100}) {
      run(rounds, valueBytes, valueBytes >= 1024 ? 25 : 100);
    }
  }

  private static void run(int rounds, int valueBytes, int passes) throws Exception {
    Random random = new Random(5);
    byte[][] keys = new byte[RECORDS][];
    byte[][] values = new byte[RECORDS][];
    long bytes = 0;
    for (int i = 0; i < RECORDS; i++) {
      keys[i] = ("{\"id\":" + i + "}").getBytes();
      values[i] = new byte[valueBytes];
      random.nextBytes(values[i]);
      bytes += keys[i].length + values[i].length;
    }
    double mb = bytes * (double) passes / 1e6;
    Fingerprinter gathered = new Fingerprinter();
    FieldByFieldFingerprinter fieldByField = new FieldByFieldFingerprinter();
    Sha256Fingerprinter sha = new Sha256Fingerprinter();
    List<Double> gatheredRuns = new ArrayList<>();
    List<Double> fieldRuns = new ArrayList<>();
    List<Double> shaRuns = new ArrayList<>();
    long sink = 0;
    for (int round = 0; round < rounds + 1; round++) { // round 0 warms all three up and is not counted
      long t0 = System.nanoTime();
      for (int p = 0; p < passes; p++) {
        for (int i = 0; i < RECORDS; i++) {
          sink ^= gathered.digest(keys[i], values[i], List.of(), i);
        }
      }
      long t1 = System.nanoTime();
      for (int p = 0; p < passes; p++) {
        for (int i = 0; i < RECORDS; i++) {
          sink ^= fieldByField.digest(keys[i], values[i], i);
        }
      }
      long t2 = System.nanoTime();
      for (int p = 0; p < passes; p++) {
        for (int i = 0; i < RECORDS; i++) {
          sink ^= sha.digest(keys[i], values[i], i);
        }
      }
      long t3 = System.nanoTime();
      if (round > 0) {
        gatheredRuns.add(mb / ((t1 - t0) / 1e9));
        fieldRuns.add(mb / ((t2 - t1) / 1e9));
        shaRuns.add(mb / ((t3 - t2) / 1e9));
      }
    }
    if (gathered.digest(keys[7], values[7], List.of(), 7) != fieldByField.digest(keys[7], values[7], 7)) {
      throw new IllegalStateException("the gathered digest differs from the field-by-field one");
    }
    double g = BackupBenchmark.median(gatheredRuns);
    double f = BackupBenchmark.median(fieldRuns);
    double s = BackupBenchmark.median(shaRuns);
    System.out.printf(Locale.ROOT, "%d records with %d-byte values x %d passes, %d rounds (medians); checksum %d%n", RECORDS,
        valueBytes, passes, rounds, sink & 1);
    System.out.printf(Locale.ROOT, "  SHA-256 digest (before the CRCs):         %6.0f MB/s%n", s);
    System.out.printf(Locale.ROOT, "  CRC-32C + CRC-32, field by field (before): %6.0f MB/s = %.1f x SHA-256%n", f, f / s);
    System.out.printf(Locale.ROOT, "  Fingerprinter (fields gathered):           %6.0f MB/s = %.1f x SHA-256, %.2f x field by field%n",
        g, g / s, g / f);
    System.out.printf(Locale.ROOT, "  rounds SHA-256: %s%n  rounds field by field: %s%n  rounds Fingerprinter: %s%n", round(shaRuns),
        round(fieldRuns), round(gatheredRuns));
  }

  /** The Fingerprinter before it gathered fields: each length and each field an update of each CRC. */
  private static final class FieldByFieldFingerprinter {
    private final CRC32C c = new CRC32C();
    private final CRC32 d = new CRC32();
    private final byte[] scratch = new byte[Long.BYTES];

    long digest(byte[] key, byte[] value, long timestamp) {
      c.reset();
      d.reset();
      bytes(key);
      bytes(value);
      number(0);
      number(timestamp);
      return (c.getValue() << 32) | d.getValue();
    }

    private void bytes(byte[] b) {
      number(b.length);
      c.update(b, 0, b.length);
      d.update(b, 0, b.length);
    }

    private void number(long n) {
      for (int i = 0; i < Long.BYTES; i++) {
        scratch[i] = (byte) (n >>> (56 - 8 * i));
      }
      c.update(scratch, 0, Long.BYTES);
      d.update(scratch, 0, Long.BYTES);
    }
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
