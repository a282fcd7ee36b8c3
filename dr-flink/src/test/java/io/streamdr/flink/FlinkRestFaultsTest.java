package io.streamdr.flink;

import io.streamdr.core.http.RestEndpoint;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.savepoint.SavepointState;
import io.streamdr.testing.RestFaultContract;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The Flink REST and Confluent Cloud statement clients under 5xx storms, throttling, slow and cut-off bodies, bad JSON and foreign redirects. */
class FlinkRestFaultsTest extends RestFaultContract {
  private static final JobRef JOB = new JobRef("a5d2c1f0e8b74c3aa1b2c3d4e5f60718");
  private static final String TRIGGER = "0123456789abcdef0123456789abcdef";

  @Override
  protected List<Operation> operations(RestEndpoint rest) {
    FlinkRestSavepointClient flink = new FlinkRestSavepointClient(rest, d -> { });
    ConfluentCloudStatementClient cloud = ConfluentCloudStatementClient.builder(rest, "org-1", "env-east", "lfcp-east",
        "sa-router").sleeper(d -> { }).build();
    String statement = "{\"name\":\"routing\",\"metadata\":{\"resource_version\":\"7\"},"
        + "\"spec\":{\"stopped\":false},\"status\":{\"phase\":\"RUNNING\"}}";
    Savepoint savepoint = new Savepoint(JOB, "sp-1", Savepoint.Kind.SAVEPOINT, SavepointState.COMPLETED,
        Optional.of("file:///savepoints/sp-1"), Optional.empty(), Instant.EPOCH, Optional.of(Instant.EPOCH));
    JobSpec spec = JobSpec.builder("routing").jarId("routing.jar").build();
    return List.of(
        new Operation("GET the job's state", true, List.of(),
            List.of(json(200, "{\"jid\":\"" + JOB.id() + "\",\"state\":\"RUNNING\",\"vertices\":[]}")),
            () -> flink.state(JOB), "RUNNING"),
        new Operation("trigger a savepoint with its trigger id", true,
            List.of(json(200, "{\"state\":\"RUNNING\",\"vertices\":[{\"status\":\"RUNNING\"}]}")),
            List.of(json(202, "{\"request-id\":\"" + TRIGGER + "\"}")),
            () -> flink.trigger(JOB, SavepointOptions.builder().triggerId(TRIGGER).build()),
            new SavepointHandle(JOB, TRIGGER)),
        new Operation("cancel the job", true, List.of(), List.of(json(202, "{}")), () -> {
          flink.cancel(JOB);
          return null;
        }, null),
        new Operation("start a job from a savepoint", false, List.of(), List.of(json(200, "{\"jobid\":\"b1\"}")),
            () -> flink.restore(spec, savepoint), new JobRef("b1")),
        new Operation("GET a Confluent Cloud statement's phase", true, List.of(), List.of(json(200, statement)),
            () -> cloud.phase("routing"), "RUNNING"),
        new Operation("stop a Confluent Cloud statement (PUT with its resource version)", true,
            List.of(json(200, statement)), List.of(json(200, statement.replace("false", "true"))), () -> {
              cloud.stop(new JobRef("routing"));
              return null;
            }, null));
  }
}
