package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.verify.Discrepancy;
import io.streamdr.core.verify.Discrepancy.Kind;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityReport.Verdict;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.ReplicationNaming;
import io.streamdr.core.verify.VerificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link IntegrityVerifier} must find. Implementations write records to two sides through a
 * {@link Sides} fixture (each test uses fresh topic names) and return the verifier.
 */
public abstract class IntegrityVerifierContract {

  /** Writes records to the source and the target. */
  public interface Sides {
    String source();

    String target();

    /** Creates a topic with that many partitions on one side. */
    void createTopic(String side, String topic, int partitions);

    /** Appends a record (key and value UTF-8; either may be null) to a partition of a topic on one side. */
    void append(String side, String topic, int partition, String key, String value, long timestamp);

    /** Makes everything appended so far visible to the verifier. */
    default void flush() {}
  }

  protected abstract Sides sides();

  protected abstract IntegrityVerifier verifier();

  private Sides sides;
  private String topic;
  private static int counter;

  @BeforeEach
  void setUpSides() {
    sides = sides();
    topic = "verify-" + (++counter) + "-" + Long.toHexString(System.nanoTime());
    sides.createTopic(sides.source(), topic, 1);
    sides.createTopic(sides.target(), topic, 1);
  }

  private void both(int from, int to) {
    for (int i = from; i < to; i++) {
      sides.append(sides.source(), topic, 0, "k" + i, "v" + i, 1_000 + i);
      sides.append(sides.target(), topic, 0, "k" + i, "v" + i, 1_000 + i);
    }
  }

  private IntegrityReport verify() {
    sides.flush();
    return verifier().verify(VerificationRequest.builder(sides.source(), sides.target()).topics(topic).build());
  }

  @Test
  void identical_data_passes() {
    both(0, 50);
    IntegrityReport report = verify();
    assertThat(report.verdict()).isEqualTo(Verdict.PASSED);
    assertThat(report.discrepancies()).isEmpty();
    assertThat(report.partitions()).singleElement().satisfies(p -> {
      assertThat(p.sourceRecords()).isEqualTo(50);
      assertThat(p.targetRecords()).isEqualTo(50);
      assertThat(p.sourceDigest()).isEqualTo(p.targetDigest());
    });
  }

  @Test
  void a_record_missing_in_the_target_is_found_and_located() {
    both(0, 10);
    sides.append(sides.source(), topic, 0, "k10", "v10", 1_010);
    sides.append(sides.source(), topic, 0, "k11", "v11", 1_011);
    both(12, 20);
    IntegrityReport report = verify();
    assertThat(report.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Kind.MISSING);
      assertThat(d.sourceOffset()).isEqualTo(10);
      assertThat(d.count()).isEqualTo(2);
      assertThat(d.targetOffset()).isEqualTo(10);
    });
  }

  @Test
  void a_duplicated_record_in_the_target_is_found_as_extra() {
    both(0, 5);
    sides.append(sides.target(), topic, 0, "k4", "v4", 1_004);
    both(5, 10);
    IntegrityReport report = verify();
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Kind.EXTRA);
      assertThat(d.targetOffset()).isEqualTo(5);
      assertThat(d.sourceOffset()).isEqualTo(5);
    });
  }

  @Test
  void an_altered_value_is_found() {
    both(0, 3);
    sides.append(sides.source(), topic, 0, "k3", "original", 1_003);
    sides.append(sides.target(), topic, 0, "k3", "tampered", 1_003);
    both(4, 8);
    assertThat(verify().discrepancies()).singleElement()
        .extracting(Discrepancy::kind, Discrepancy::sourceOffset, Discrepancy::targetOffset)
        .containsExactly(Kind.ALTERED, 3L, 3L);
  }

  @Test
  void two_swapped_records_are_found_as_reordered() {
    both(0, 3);
    sides.append(sides.source(), topic, 0, "k3", "v3", 1_003);
    sides.append(sides.source(), topic, 0, "k4", "v4", 1_004);
    sides.append(sides.target(), topic, 0, "k4", "v4", 1_004);
    sides.append(sides.target(), topic, 0, "k3", "v3", 1_003);
    both(5, 8);
    assertThat(verify().discrepancies()).singleElement()
        .extracting(Discrepancy::kind).isEqualTo(Kind.REORDERED);
  }

  @Test
  void records_not_yet_replicated_are_lag_not_loss() {
    both(0, 10);
    for (int i = 10; i < 14; i++) {
      sides.append(sides.source(), topic, 0, "k" + i, "v" + i, 1_000 + i);
    }
    IntegrityReport report = verify();
    assertThat(report.verdict()).isEqualTo(Verdict.LAGGING);
    assertThat(report.rpoRecords()).isEqualTo(4);
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Kind.LAG);
      assertThat(d.sourceOffset()).isEqualTo(10);
      assertThat(d.count()).isEqualTo(4);
    });
  }

  @Test
  void target_records_the_source_wrote_after_the_cut_off_are_beyond_it_not_discrepancies() {
    both(0, 5);
    sides.append(sides.source(), topic, 0, "later", "written after the cut", 9_999);
    sides.append(sides.target(), topic, 0, "later", "written after the cut", 9_999);
    sides.flush();
    IntegrityReport report = verifier().verify(VerificationRequest.builder(sides.source(), sides.target()).topics(topic)
        .cutoff(java.time.Instant.ofEpochMilli(5_000)).build());
    assertThat(report.verdict()).isEqualTo(Verdict.PASSED);
    assertThat(report.partitions().get(0).beyondCutoff()).isEqualTo(1);
    assertThat(report.partitions().get(0).targetRecords()).as("every target record read is counted").isEqualTo(6);
    assertThat(report.cut()).contains("1970-01-01T00:00:05Z");
  }

  @Test
  void a_target_record_past_the_source_end_that_the_source_never_held_is_extra() {
    both(0, 5);
    sides.append(sides.target(), topic, 0, "foreign", "never in the source", 9_999);
    IntegrityReport report = verify();
    assertThat(report.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Kind.EXTRA);
      assertThat(d.targetOffset()).isEqualTo(5);
    });
  }

  @Test
  void a_target_holding_every_record_twice_fails_and_reports_its_true_range() {
    both(0, 5);
    for (int i = 0; i < 5; i++) {
      sides.append(sides.target(), topic, 0, "k" + i, "v" + i, 1_000 + i);
    }
    IntegrityReport report = verify();
    assertThat(report.verdict()).isEqualTo(Verdict.FAILED);
    assertThat(report.discrepancies()).singleElement().satisfies(d -> {
      assertThat(d.kind()).isEqualTo(Kind.EXTRA);
      assertThat(d.targetOffset()).isEqualTo(5);
      assertThat(d.count()).isEqualTo(5);
    });
    assertThat(report.partitions().get(0).targetRecords()).isEqualTo(10);
    assertThat(report.partitions().get(0).targetLastOffset()).isEqualTo(9);
    assertThat(report.partitions().get(0).beyondCutoff()).isZero();
  }

  @Test
  void prefixed_replication_naming_compares_against_the_renamed_topic() {
    String renamed = sides.source() + "." + topic;
    sides.createTopic(sides.target(), renamed, 1);
    for (int i = 0; i < 5; i++) {
      sides.append(sides.source(), topic, 0, "k" + i, "v" + i, 1_000 + i);
      sides.append(sides.target(), renamed, 0, "k" + i, "v" + i, 1_000 + i);
    }
    sides.flush();
    IntegrityReport report = verifier().verify(VerificationRequest.builder(sides.source(), sides.target())
        .topics(topic).naming(ReplicationNaming.prefixed(sides.source())).build());
    assertThat(report.verdict()).isEqualTo(Verdict.PASSED);
    assertThat(report.partitions().get(0).targetTopic()).isEqualTo(renamed);
  }

  @Test
  void the_report_reads_as_text_and_json() {
    both(0, 3);
    sides.append(sides.source(), topic, 0, "k3", "v3", 1_003);
    IntegrityReport report = verify();
    assertThat(report.toText()).contains("LAGGING").contains(topic);
    assertThat(report.toJson()).contains("\"verdict\" : \"LAGGING\"").contains("\"rpoRecords\" : 1");
  }
}
