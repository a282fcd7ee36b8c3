package io.streamdr.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", mixinStandardHelpOptions = true, header = "Print a shell completion script for bash or zsh.",
    description = {"Prints a completion script for every command and option; load it in your shell:",
        "  source <(streamdr completion)        # bash, or zsh after 'autoload -U +X bashcompinit && bashcompinit'",
        "Exit code: 0."})
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash("streamdr", spec.parent().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
