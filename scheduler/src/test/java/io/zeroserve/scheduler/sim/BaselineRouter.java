package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.sim.SimCluster.Device;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import io.zeroserve.scheduler.sim.SimCluster.Request;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The classic schemes LERT is compared with, as a serverless platform without a cost model runs them.
 *
 * <ul>
 *   <li>Routing among the function's READY replicas by the {@link Rule}; when it has none, to the
 *       LOADING replica that is ready first (the request waits there, as behind Knative's activator).</li>
 *   <li>Scale-out, Knative-like (concurrency target): a replica is added when the function has none,
 *       or when its outstanding requests (this one included) exceed {@code targetConcurrency} per live
 *       replica, up to maxReplicas. Checked on every request, so it reacts faster than Knative's 2 s
 *       autoscaler tick: if anything that favours the baselines.</li>
 *   <li>Where a new replica goes: among devices the function may use, GPUs before CPUs (a function that
 *       may run on either is configured to prefer its accelerator), the devices with free memory, chosen
 *       by the same rule (round-robin over devices, random, least outstanding, the less loaded of two
 *       random ones); if none has room, the devices where unloading idle replicas makes room, chosen
 *       the same way, evicting least-recently-used idle replicas first.</li>
 * </ul>
 * Scale-in is a separate {@link SimCluster.ScaleIn}: the fixed keep-alive window.
 */
final class BaselineRouter implements SimCluster.Router {

  enum Rule { ROUND_ROBIN, RANDOM, JSQ, POWER_OF_TWO }

  private final Rule rule;
  private final int targetConcurrency;
  private final boolean scaleOut;
  private int deviceRoundRobin;
  private final SimDirectory directory;

  /**
   * @param targetConcurrency outstanding requests per replica above which another is started
   * @param scaleOut false: route among the replicas there are and never start one (the theory check)
   */
  BaselineRouter(Rule rule, int targetConcurrency, boolean scaleOut) {
    this(rule, targetConcurrency, scaleOut, new SimDirectory(0));
  }

  /**
   * @param directory with it on, join-shortest-queue and power-of-two compare other nodes' replicas by
   *     their published queues (their own exactly), among the replicas the receiving node knows of
   */
  BaselineRouter(Rule rule, int targetConcurrency, boolean scaleOut, SimDirectory directory) {
    this.rule = rule;
    this.targetConcurrency = targetConcurrency;
    this.scaleOut = scaleOut;
    this.directory = directory;
  }

  @Override
  public String name() {
    return switch (rule) {
      case ROUND_ROBIN -> "round-robin";
      case RANDOM -> "random";
      case JSQ -> "join-shortest-queue";
      case POWER_OF_TWO -> "power-of-two";
    };
  }

  @Override
  public Placement place(Request q, SimCluster c) {
    Function f = q.fn;
    if (scaleOut && f.live < f.profile.maxReplicas()
        && (f.live == 0 || f.outstanding + 1 > (long) targetConcurrency * f.live)) {
      Device d = pickDevice(f, c);
      if (d != null) {
        List<Replica> evict = new ArrayList<>();
        long missing = f.profile.memoryBytes() - d.free();
        if (missing > 0) {
          List<Replica> idle = new ArrayList<>();
          for (Replica r : d.replicas) {
            if (r.idle()) {
              idle.add(r);
            }
          }
          idle.sort(Comparator.comparingLong((Replica r) -> r.lastUsed));
          for (Replica r : idle) {
            if (missing <= 0) {
              break;
            }
            evict.add(r);
            missing -= r.memory;
          }
        }
        c.startReplica(f, d, evict);
      }
    }
    Replica r;
    if (directory.on() && (rule == Rule.JSQ || rule == Rule.POWER_OF_TWO) && !f.ready.isEmpty()) {
      directory.publishDue(c, c.sim.now());
      r = routeAsSeenBy(f, c, q.receiver);
    } else {
      r = route(f, c);
    }
    if (r != null) {
      return new Placement.Route(r.device.node.id, r.id, 0);
    }
    return new Placement.NoCapacity("no replica and no room for one");
  }

  private Replica route(Function f, SimCluster c) {
    List<Replica> ready = f.ready;
    int n = ready.size();
    if (n == 0) {
      Replica first = null;
      for (Replica r : f.replicas) {
        if (r.phase == io.zeroserve.scheduler.ReplicaView.Phase.LOADING && (first == null || r.readyAt < first.readyAt)) {
          first = r;
        }
      }
      return first;
    }
    switch (rule) {
      case ROUND_ROBIN:
        return ready.get(Math.floorMod(f.roundRobin++, n));
      case RANDOM:
        return ready.get(c.rnd.nextInt(n));
      case JSQ: {
        Replica best = null;
        int ties = 0;
        for (Replica r : ready) {
          if (best == null || r.outstanding() < best.outstanding()) {
            best = r;
            ties = 1;
          } else if (r.outstanding() == best.outstanding() && c.rnd.nextInt(++ties) == 0) {
            best = r; // reservoir: a uniform choice among the shortest
          }
        }
        return best;
      }
      case POWER_OF_TWO: {
        if (n == 1) {
          return ready.get(0);
        }
        Replica[] two = twoOf(ready, c);
        return two[1].outstanding() < two[0].outstanding() ? two[1] : two[0]; // ties: the first, itself uniform
      }
      default:
        throw new AssertionError(rule);
    }
  }

  /**
   * JSQ or power-of-two among the READY replicas {@code viewer} knows of, by the queues it knows; all
   * READY ones, exactly, if it knows none yet.
   */
  private Replica routeAsSeenBy(Function f, SimCluster c, SimCluster.Node viewer) {
    List<Replica> known = new ArrayList<>(f.ready.size());
    for (Replica r : f.ready) {
      if (directory.outstandingSeenBy(r, viewer) >= 0) {
        known.add(r);
      }
    }
    if (known.isEmpty()) {
      return route(f, c);
    }
    int n = known.size();
    if (rule == Rule.POWER_OF_TWO) {
      if (n == 1) {
        return known.get(0);
      }
      Replica[] two = twoOf(known, c);
      return directory.outstandingSeenBy(two[1], viewer) < directory.outstandingSeenBy(two[0], viewer) ? two[1] : two[0];
    }
    Replica best = null;
    int bestSeen = Integer.MAX_VALUE;
    int ties = 0;
    for (Replica r : known) {
      int seen = directory.outstandingSeenBy(r, viewer);
      if (best == null || seen < bestSeen) {
        best = r;
        bestSeen = seen;
        ties = 1;
      } else if (seen == bestSeen && c.rnd.nextInt(++ties) == 0) {
        best = r;
      }
    }
    return best;
  }

  /** Two different replicas of {@code replicas} (at least two), uniformly at random. */
  private static Replica[] twoOf(List<Replica> replicas, SimCluster c) {
    int n = replicas.size();
    int i = c.rnd.nextInt(n);
    int j = c.rnd.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    return new Replica[] {replicas.get(i), replicas.get(j)};
  }

  private Device pickDevice(Function f, SimCluster c) {
    DeviceRequirement req = f.profile.requirement();
    long need = f.profile.memoryBytes();
    for (DeviceKind kind : new DeviceKind[] {DeviceKind.GPU, DeviceKind.CPU}) {
      if (!req.allows(kind)) {
        continue;
      }
      List<Device> withRoom = new ArrayList<>();
      List<Device> withIdle = new ArrayList<>();
      for (Device d : c.devices) {
        if (d.kind != kind || d.capacity < need) {
          continue;
        }
        if (d.free() >= need) {
          withRoom.add(d);
        } else if (d.free() + d.idleBytes() >= need) {
          withIdle.add(d);
        }
      }
      Device d = choose(withRoom.isEmpty() ? withIdle : withRoom, c);
      if (d != null) {
        return d;
      }
    }
    return null;
  }

  private Device choose(List<Device> candidates, SimCluster c) {
    int n = candidates.size();
    if (n == 0) {
      return null;
    }
    switch (rule) {
      case ROUND_ROBIN:
        return candidates.get(Math.floorMod(deviceRoundRobin++, n));
      case RANDOM:
        return candidates.get(c.rnd.nextInt(n));
      case JSQ: {
        Device best = null;
        for (Device d : candidates) {
          if (best == null || d.outstanding < best.outstanding
              || (d.outstanding == best.outstanding && d.free() > best.free())) {
            best = d;
          }
        }
        return best;
      }
      case POWER_OF_TWO: {
        Device a = candidates.get(c.rnd.nextInt(n));
        Device b = candidates.get(c.rnd.nextInt(n));
        return b.outstanding < a.outstanding ? b : a;
      }
      default:
        throw new AssertionError(rule);
    }
  }
}
