package io.streamdr.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamdr.core.ConflictException;
import io.streamdr.core.DrException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.savepoint.JobRef;
import io.streamdr.core.savepoint.JobSpec;
import io.streamdr.core.savepoint.Savepoint;
import io.streamdr.core.savepoint.SavepointClient;
import io.streamdr.core.savepoint.SavepointHandle;
import io.streamdr.core.savepoint.SavepointOptions;
import io.streamdr.core.savepoint.SavepointState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SavepointClient} must do. Implementations provide a client, a way to start a running job, and
 * the spec that restarts that job.
 */
public abstract class SavepointClientContract {

  protected abstract SavepointClient client();

  /** Starts a new RUNNING job and returns it. */
  protected abstract JobRef runningJob();

  /** The spec that starts the same job again, for restore. */
  protected abstract JobSpec specFor(JobRef job);

  /** How long a savepoint may take on this implementation. */
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }

  /** Waits until a started or restored job can be savepointed (its tasks are deployed); a no-op by default. */
  protected void awaitRunning(JobRef job) {}

  /** Options for a savepoint on this implementation (a target directory, for example). */
  protected SavepointOptions options() {
    return SavepointOptions.defaults();
  }

  @Test
  void a_triggered_savepoint_completes_with_a_location() {
    SavepointClient client = client();
    JobRef job = runningJob();
    Savepoint sp = client.await(client.trigger(job, options()), timeout());
    assertThat(sp.state()).isEqualTo(SavepointState.COMPLETED);
    assertThat(sp.job()).isEqualTo(job);
    assertThat(sp.location()).isPresent();
    assertThat(sp.completedAt()).isPresent();
  }

  @Test
  void triggering_twice_with_one_trigger_id_takes_one_savepoint() {
    SavepointClient client = client();
    JobRef job = runningJob();
    SavepointOptions opts = options().toBuilder().triggerId(java.util.UUID.randomUUID().toString().replace("-", "")).build();
    SavepointHandle first = client.trigger(job, opts);
    SavepointHandle again = client.trigger(job, opts);
    assertThat(again).isEqualTo(first);
    Savepoint sp = client.await(again, timeout());
    assertThat(client.list(job)).filteredOn(s -> s.id().equals(sp.id())).hasSize(1);
  }

  @Test
  void a_completed_savepoint_is_listed() {
    SavepointClient client = client();
    JobRef job = runningJob();
    Savepoint sp = client.take(job, options(), timeout());
    assertThat(client.list(job)).extracting(Savepoint::location).contains(sp.location());
  }

  @Test
  void triggering_on_an_unknown_job_names_the_job() {
    JobRef ghost = new JobRef("00000000000000000000000000000000");
    assertThatThrownBy(() -> client().trigger(ghost, options()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining(ghost.id());
  }

  @Test
  void a_job_canceled_with_its_savepoint_cannot_be_savepointed_again() {
    SavepointClient client = client();
    JobRef job = runningJob();
    client.take(job, options().toBuilder().cancelJob(true).triggerId(null).build(), timeout());
    assertThatThrownBy(() -> client.trigger(job, options().toBuilder().triggerId(null).build()))
        .isInstanceOfAny(ConflictException.class, NotFoundException.class);
  }

  @Test
  void restore_starts_a_new_running_job_from_the_savepoint() {
    SavepointClient client = client();
    JobRef job = runningJob();
    Savepoint sp = client.take(job, options().toBuilder().cancelJob(true).triggerId(null).build(), timeout());
    JobRef restored = client.restore(specFor(job), sp);
    assertThat(restored).isNotEqualTo(job);
    awaitRunning(restored);
    // a restored job is running: it can be savepointed itself
    assertThat(client.take(restored, options().toBuilder().triggerId(null).build(), timeout()).completed()).isTrue();
  }

  @Test
  void await_of_an_unknown_trigger_fails_clearly() {
    SavepointClient client = client();
    JobRef job = runningJob();
    assertThatThrownBy(() -> client.await(new SavepointHandle(job, "deadbeefdeadbeefdeadbeefdeadbeef"), timeout()))
        .isInstanceOf(DrException.class).hasMessageContaining("deadbeefdeadbeefdeadbeefdeadbeef");
  }
}
