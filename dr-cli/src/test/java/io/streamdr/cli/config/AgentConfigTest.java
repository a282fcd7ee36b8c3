package io.streamdr.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  @TempDir Path dir;

  private StreamDrConfig load(String agent) throws Exception {
    Path f = dir.resolve("streamdr.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "east:9092"}
          - {name: us-west-2, bootstrap: "west:9092"}
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        """.formatted(dir.resolve("a.json"), dir.resolve("b")) + agent);
    return StreamDrConfig.load(f, Map.of());
  }

  @Test
  void the_dr_guide_triggers_are_the_defaults_and_alert_is_the_default_mode() throws Exception {
    AgentConfig a = load("agent: {}\n").agent();
    assertThat(a.port()).isEqualTo(9464);
    assertThat(a.failover().mode()).isEqualTo(AgentConfig.Mode.ALERT);
    assertThat(a.failover().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(a.failover().unreachableFor()).isEqualTo(Duration.ofMinutes(2));
    assertThat(a.failover().minBrokerHealth()).isEqualTo(0.5);
    assertThat(a.failover().maxJobFailures()).isEqualTo(3);
    assertThat(a.failover().maxConsumerLag()).isEqualTo(10_000);
    assertThat(a.jobs()).isEmpty();
  }

  @Test
  void an_unquoted_off_is_the_mode_off_though_yaml_reads_it_as_false() throws Exception {
    assertThat(load("agent: {failover: {mode: off}}\n").agent().failover().mode()).isEqualTo(AgentConfig.Mode.OFF);
    assertThat(load("agent: {failover: {mode: \"off\"}}\n").agent().failover().mode()).isEqualTo(AgentConfig.Mode.OFF);
  }

  @Test
  void jobs_are_read_with_their_kind_and_defaults() throws Exception {
    AgentConfig a = load("""
        agent:
          jobs:
            - {name: incremental, cron: "0 0,6,12,18 * * *", backup: {topics: [orders], groups: [app], type: incremental}}
            - {name: prune, cron: "30 3 * * *", prune: {}}
            - {name: checkpoint, cron: "* * * * *", checkpoint: {region: us-east-1, groups: [app]}}
        """).agent();
    assertThat(a.jobs()).extracting(AgentConfig.Job::name).containsExactly("incremental", "prune", "checkpoint");
    assertThat(a.jobs().get(0).task()).isEqualTo(new AgentConfig.Backup(java.util.Optional.empty(), java.util.List.of("orders"),
        java.util.Optional.empty(), java.util.List.of("app"), true));
    assertThat(a.jobs().get(1).task()).isEqualTo(new AgentConfig.Prune(Duration.ofDays(30), Duration.ofDays(365)));
    assertThat(a.jobs().get(1).lease()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void the_agent_section_is_required_by_the_agent_and_says_how_to_add_it() throws Exception {
    StreamDrConfig cfg = load("");
    assertThatThrownBy(cfg::agent).isInstanceOf(InvalidRequestException.class).hasMessageContaining("no 'agent' section")
        .hasMessageContaining("docs/agent.md");
  }

  @Test
  void each_mistake_names_its_key() throws Exception {
    Map<String, String> cases = Map.of(
        "agent: {failover: {mode: automatic}}\n", "'agent.failover.mode' must be 'auto'",
        "agent: {jobs: [{name: a, cron: \"0 2 * *\", prune: {}}]}\n", "'agent.jobs[0].cron' is not a Unix cron expression",
        "agent: {jobs: [{name: a, cron: \"0 2 * * *\", prune: {}}, {name: a, cron: \"0 3 * * *\", prune: {}}]}\n", "'agent.jobs[1].name'",
        "agent: {jobs: [{name: a, cron: \"0 2 * * *\", backup: {pattern: 'orders.*', type: incremental}}]}\n",
        "'agent.jobs[0].backup.topics' is required for an incremental backup",
        "agent: {jobs: [{name: a, cron: \"0 2 * * *\", checkpoint: {region: us-west3}}]}\n", "'agent.jobs[0].checkpoint.region' names no region",
        "agent: {jobs: [{name: a, cron: \"0 2 * * *\"}]}\n", "'agent.jobs[0]' needs exactly one of",
        "agent: {jobs: [{name: a, cron: \"0 2 * * *\", prune: {}, backup: {topics: [x]}}]}\n", "needs exactly one of",
        "agent: {failover: {interval: soon}}\n", "'agent.failover.interval'",
        "agent: {prot: 9464}\n", "'agent.prot' is not a known key");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      assertThatThrownBy(() -> load(c.getKey())).as(c.getKey()).isInstanceOf(InvalidRequestException.class).hasMessageContaining(c.getValue());
    }
  }

  @Test
  void a_schemas_job_kept_in_sync_into_a_region_needs_that_region_and_its_registry() throws Exception {
    assertThatThrownBy(() -> load("agent: {jobs: [{name: s, cron: \"0 * * * *\", schemas: {into: eu-west-1}}]}\n"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("'agent.jobs[0].schemas.into'")
        .hasMessageContaining("names no region of this file: 'eu-west-1'");
    assertThatThrownBy(() -> load("agent: {jobs: [{name: s, cron: \"0 * * * *\", schemas: {region: us-east-1, into: us-east-1}}]}\n"))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("'agent.jobs[0].schemas.into'")
        .hasMessageContaining("is the region it snapshots");
    Path f = dir.resolve("registry.yaml");
    Files.writeString(f, """
        primary: us-east-1
        regions:
          - {name: us-east-1, bootstrap: "east:9092", schemaRegistry: "http://registry-east:8081"}
          - {name: us-west-2, bootstrap: "west:9092"}
        activeRegion: {store: file, path: "%s"}
        backups: {directory: "%s"}
        agent: {jobs: [{name: s, cron: "0 * * * *", schemas: {region: us-east-1, into: us-west-2}}]}
        """.formatted(dir.resolve("a.json"), dir.resolve("b")));
    assertThatThrownBy(() -> StreamDrConfig.load(f, Map.of())).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("agent.jobs[0].schemas").hasMessageContaining("needs a Schema Registry in region us-west-2: add 'schemaRegistry: URL' to regions[1]");
  }
}
