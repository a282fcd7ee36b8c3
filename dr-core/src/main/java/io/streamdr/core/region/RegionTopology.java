package io.streamdr.core.region;

import io.streamdr.core.InvalidRequestException;
import io.streamdr.core.NotFoundException;
import io.streamdr.core.ResourceType;
import io.streamdr.core.internal.Checks;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The regions of a deployment and which one is primary by design (the one active when nothing has failed).
 *
 * @param regions two or more regions with distinct names
 * @param primary name of the primary region
 */
public record RegionTopology(List<Region> regions, String primary) {
  public RegionTopology {
    regions = List.copyOf(Checks.requireNonNull(regions, "regions"));
    if (regions.size() < 2) {
      throw new InvalidRequestException("A region topology needs at least two regions, got " + regions.size());
    }
    Set<String> names = new HashSet<>();
    for (Region r : regions) {
      if (!names.add(r.name())) {
        throw new InvalidRequestException(ResourceType.REGION, r.name(), "Region '%s' appears twice in the topology".formatted(r.name()));
      }
    }
    Checks.requireNonBlank(primary, "primary region");
    if (!names.contains(primary)) {
      throw new InvalidRequestException(ResourceType.REGION, primary,
          "Primary region '%s' is not one of the topology's regions %s".formatted(primary, names));
    }
  }

  /** A two-region topology whose first region is primary. */
  public static RegionTopology of(Region primary, Region secondary) {
    return new RegionTopology(List.of(primary, secondary), primary.name());
  }

  /** The region with that name. @throws NotFoundException if the topology has none */
  public Region region(String name) {
    return regions.stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow(() -> new NotFoundException(ResourceType.REGION, name,
            "Region '%s' is not in the topology; known regions: %s".formatted(name,
                regions.stream().map(Region::name).toList())));
  }

  public Region primaryRegion() {
    return region(primary);
  }

  /** The first region that is not the primary. */
  public Region secondaryRegion() {
    return regions.stream().filter(r -> !r.name().equals(primary)).findFirst().orElseThrow();
  }

  /** In a two-region topology, the region that is not {@code region}. */
  public Region other(Region region) {
    return regions.stream().filter(r -> !r.name().equals(region.name())).findFirst().orElseThrow();
  }
}
