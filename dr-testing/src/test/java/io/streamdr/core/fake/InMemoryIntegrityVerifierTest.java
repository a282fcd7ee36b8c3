package io.streamdr.core.fake;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamdr.core.verify.Discrepancy.Kind;
import io.streamdr.core.verify.IntegrityReport;
import io.streamdr.core.verify.IntegrityVerifier;
import io.streamdr.core.verify.VerificationRequest;
import io.streamdr.testing.IntegrityVerifierContract;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryIntegrityVerifierTest extends IntegrityVerifierContract {
  private final InMemoryIntegrityVerifier verifier = new InMemoryIntegrityVerifier();

  @Override
  protected Sides sides() {
    return new Sides() {
      @Override
      public String source() {
        return "us-east-1";
      }

      @Override
      public String target() {
        return "us-west-2";
      }

      @Override
      public void createTopic(String side, String topic, int partitions) {
        // topics appear on first append in memory; make the partitions exist now
        for (int p = 0; p < partitions; p++) {
          verifier.cluster(side).skipOffsets(topic, p, 0);
        }
      }

      @Override
      public void append(String side, String topic, int partition, String key, String value, long timestamp) {
        verifier.cluster(side).append(topic, partition, key, value, timestamp);
      }
    };
  }

  @Override
  protected IntegrityVerifier verifier() {
    return verifier;
  }

  @Test
  void offset_gaps_from_compaction_do_not_count_as_discrepancies() {
    var east = verifier.cluster("a");
    var west = verifier.cluster("b");
    east.append("t", 0, "k0", "v0", 1);
    east.skipOffsets("t", 0, 5);
    east.append("t", 0, "k1", "v1", 2);
    west.append("t", 0, "k0", "v0", 1);
    west.append("t", 0, "k1", "v1", 2);
    IntegrityReport r = verifier.verify(VerificationRequest.builder("a", "b").topics("t").build());
    assertThat(r.passed()).isTrue();
    assertThat(r.partitions().get(0).sourceLastOffset()).isEqualTo(6);
    assertThat(r.partitions().get(0).targetLastOffset()).isEqualTo(1);
  }

  @Test
  void a_group_position_is_checked_against_the_same_record_on_the_target() {
    var east = verifier.cluster("a");
    var west = verifier.cluster("b");
    for (int i = 0; i < 10; i++) {
      east.append("t", 0, "k" + i, "v" + i, i);
      west.append("t", 0, "k" + i, "v" + i, i);
    }
    east.commit("billing", "t", 0, 6);
    west.commit("billing", "t", 0, 8);
    IntegrityReport r = verifier.verify(VerificationRequest.builder("a", "b").topics("t").groups(List.of("billing")).build());
    assertThat(r.discrepancies(Kind.GROUP_OFFSET)).singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("ahead").contains("2 record"));
  }
}
