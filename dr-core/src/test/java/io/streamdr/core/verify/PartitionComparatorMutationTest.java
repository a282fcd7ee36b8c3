package io.streamdr.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.verify.Discrepancy.Kind;
import io.streamdr.core.verify.IntegrityReport.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The comparator against a copy with exactly one random mutation: every mutated copy must fail (a dropped last record
 * may be lag, never a pass) with a discrepancy at the mutated position, and the unmutated copy must pass.
 */
class PartitionComparatorMutationTest {
  private static final int ROUNDS = 600;

  /** One record as bytes, so a mutation can change any single byte of it. */
  private record Rec(byte[] key, byte[] value, byte[] header, long timestamp) {
    Rec copy() {
      return new Rec(key.clone(), value.clone(), header.clone(), timestamp);
    }
  }

  private enum Mutation { DROP, DUPLICATE, SWAP, ALTER_KEY, ALTER_VALUE, ALTER_HEADER, ALTER_TIMESTAMP, APPEND, PREPEND }

  private static List<RecordFingerprint> fingerprints(List<Rec> recs) {
    Fingerprinter f = new Fingerprinter();
    List<RecordFingerprint> out = new ArrayList<>();
    for (int i = 0; i < recs.size(); i++) {
      Rec r = recs.get(i);
      List<Map.Entry<String, byte[]>> headers = List.of(new AbstractMap.SimpleImmutableEntry<>("h", r.header()));
      out.add(new RecordFingerprint(i, r.timestamp(), f.digest(r.key(), r.value(), headers, r.timestamp())));
    }
    return out;
  }

  private static Rec random(Random rnd, int i) {
    byte[] key = ("k" + rnd.nextInt(50)).getBytes(StandardCharsets.UTF_8); // keys repeat, as in real topics
    byte[] value = new byte[1 + rnd.nextInt(40)];
    rnd.nextBytes(value);
    byte[] header = ("trace-" + i).getBytes(StandardCharsets.UTF_8);
    return new Rec(key, value, header, 1_700_000_000_000L + i * 10L);
  }

  private static IntegrityReport compare(List<Rec> source, List<Rec> target) {
    PartitionComparator.Outcome o = PartitionComparator.compare("t", "t", 0, fingerprints(source).iterator(),
        fingerprints(target).iterator(), PartitionComparator.DEFAULT_WINDOW);
    return IntegrityReport.of("s", "t", "whole partitions", List.of(o.result()), o.discrepancies(), Duration.ZERO, Instant.EPOCH, Instant.EPOCH);
  }

  @Test
  void every_single_mutation_of_a_copy_fails_where_it_was_made_and_the_copy_itself_passes() {
    Random rnd = new Random(20261201L);
    int[] seen = new int[Mutation.values().length];
    for (int round = 0; round < ROUNDS; round++) {
      int n = 2 + rnd.nextInt(300);
      List<Rec> source = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        source.add(random(rnd, i));
      }
      List<Rec> copy = new ArrayList<>(source.stream().map(Rec::copy).toList());
      IntegrityReport same = compare(source, copy);
      assertThat(same.verdict()).as("round %d: the unmutated copy", round).isEqualTo(Verdict.PASSED);
      assertThat(same.discrepancies()).isEmpty();

      Mutation m = Mutation.values()[rnd.nextInt(Mutation.values().length)];
      seen[m.ordinal()]++;
      int i = rnd.nextInt(n);
      int lo = i;
      int hi = i; // the target and source positions a discrepancy may name
      switch (m) {
        case DROP -> copy.remove(i);
        case DUPLICATE -> {
          copy.add(i + 1, source.get(i).copy());
          hi = i + 1;
        }
        case SWAP -> {
          int j = rnd.nextInt(n - 1);
          j = j >= i ? j + 1 : j;
          lo = Math.min(i, j);
          hi = Math.max(i, j);
          Rec a = copy.get(lo);
          copy.set(lo, copy.get(hi));
          copy.set(hi, a);
        }
        case ALTER_KEY -> flip(rnd, copy.get(i).key());
        case ALTER_VALUE -> flip(rnd, copy.get(i).value());
        case ALTER_HEADER -> flip(rnd, copy.get(i).header());
        case ALTER_TIMESTAMP -> copy.set(i, new Rec(copy.get(i).key(), copy.get(i).value(), copy.get(i).header(),
            copy.get(i).timestamp() ^ (1L << rnd.nextInt(40))));
        case APPEND -> {
          copy.add(random(rnd, n + 1));
          lo = hi = n;
        }
        case PREPEND -> {
          copy.add(0, random(rnd, -1));
          lo = hi = 0;
        }
      }
      IntegrityReport report = compare(source, copy);
      String what = "round %d: %s at %d of %d records: %s".formatted(round, m, i, n, report.discrepancies());
      if (m == Mutation.DROP && i == n - 1) {
        assertThat(report.verdict()).as(what).isIn(Verdict.FAILED, Verdict.LAGGING);
      } else {
        assertThat(report.verdict()).as(what).isEqualTo(Verdict.FAILED);
      }
      int from = lo;
      int to = hi;
      assertThat(report.discrepancies()).as(what).anySatisfy(d -> assertThat(
          (d.sourceOffset() >= from && d.sourceOffset() <= to) || (d.targetOffset() >= from && d.targetOffset() <= to))
          .isTrue());
      if (m == Mutation.DUPLICATE || m == Mutation.APPEND || m == Mutation.PREPEND) {
        assertThat(report.discrepancies()).as(what).anySatisfy(d -> assertThat(d.kind()).isEqualTo(Kind.EXTRA));
      }
    }
    assertThat(java.util.Arrays.stream(seen).min().orElseThrow()).as("every mutation was tried").isGreaterThan(20);
  }

  private static void flip(Random rnd, byte[] b) {
    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
  }
}
