package io.streamdr.cli;

import io.streamdr.cli.agent.Agent;
import io.streamdr.cli.config.StreamDrConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "agent", mixinStandardHelpOptions = true, header = "Run failover, scheduled backups and /metrics as a service.",
    description = {"Run in the foreground until stopped (SIGTERM or Ctrl-C): watch the active region and fail over (mode auto) "
            + "or alert (mode alert) on the DR guide's triggers, run the configured backup, prune, checkpoint, connector "
            + "and savepoint jobs on their cron schedules (UTC; a slot missed while no agent ran is run once at start), and"
            + " serve /metrics (Prometheus) and /health (JSON; 200 healthy, 503 not). Configured by the 'agent:' section of"
            + " streamdr.yaml; see docs/agent.md. Agents sharing the backups and active-region store never run one slot "
            + "twice or both fail over. Events are printed one per line on standard output.",
        "Exit code: 0 stopped, 2 configuration or start-up error."})
final class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ConfigOption config;

  @Option(names = "--grace", defaultValue = "2m", description = "How long a running job may finish when stopping (default ${DEFAULT-VALUE}).")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    StreamDrConfig cfg = config.load();
    cfg.agent(); // fails naming the missing section before anything starts
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    Agent agent = new Agent(cfg, Clock.systemUTC(), out, grace);
    Thread hook = new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "streamdr-agent-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      agent.start();
    } catch (RuntimeException | java.io.IOException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      agent.close();
      throw e instanceof java.net.BindException ? new IllegalStateException("Port %d is in use; set agent.port in %s to a free one"
          .formatted(cfg.agent().port(), cfg.file()), e) : e;
    }
    stopped.await();
    return 0;
  }
}
