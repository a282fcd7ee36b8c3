package io.streamdr.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.verify.Discrepancy.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestPerKeyComparisonTest {
  private final Fingerprinter f = new Fingerprinter();
  private final List<RecordFingerprint> source = new ArrayList<>();
  private final List<RecordFingerprint> target = new ArrayList<>();

  private void add(List<RecordFingerprint> side, String key, String value, long ts) {
    side.add(f.fingerprint(side.size(), key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of(), ts));
  }

  private PartitionComparator.Outcome compare(AfterCut afterCut) {
    return PartitionComparator.compareLatestPerKey("t", "t", 0, source.iterator(), target.iterator(), afterCut);
  }

  @Test
  void a_compacted_copy_with_the_same_latest_values_is_identical() {
    add(source, "a", "1", 1);
    add(source, "b", "1", 2);
    add(source, "a", "2", 3);
    add(source, "c", "1", 4);
    add(source, "c", null, 5); // deleted
    add(target, "b", "1", 2);
    add(target, "a", "2", 3); // the cleaner removed a=1 and the whole of c
    PartitionComparator.Outcome o = compare(AfterCut.none());
    assertThat(o.discrepancies()).isEmpty();
    assertThat(o.result().comparison()).isEqualTo(Comparison.LATEST_PER_KEY);
    assertThat(o.result().keys()).isEqualTo(2);
    assertThat(o.result().sourceDigest()).isEqualTo(o.result().targetDigest());
  }

  @Test
  void a_missing_stale_or_extra_latest_value_is_a_key_discrepancy() {
    add(source, "a", "1", 1);
    add(source, "a", "2", 2);
    add(source, "b", "1", 3);
    add(target, "a", "1", 1); // stale
    add(target, "x", "1", 9); // never in the source
    List<Kind> kinds = compare(AfterCut.none()).discrepancies().stream().map(Discrepancy::kind).toList();
    assertThat(kinds).containsExactlyInAnyOrder(Kind.KEY_ALTERED, Kind.KEY_MISSING, Kind.KEY_EXTRA);
  }

  @Test
  void a_later_value_the_cut_explains_is_beyond_it() {
    add(source, "a", "1", 1);
    add(target, "a", "1", 1);
    add(target, "a", "2", 5_000);
    assertThat(compare(AfterCut.stampedAfter(Instant.ofEpochMilli(4_000))).discrepancies()).isEmpty();
    assertThat(compare(AfterCut.stampedAfter(Instant.ofEpochMilli(4_000))).result().beyondCutoff()).isEqualTo(1);
    assertThat(compare(AfterCut.none()).discrepancies()).extracting(Discrepancy::kind).containsExactly(Kind.KEY_ALTERED);
  }
}
