"""Background work of a serving process: the outbox relay, the time-limit sweeper, and the simulator in demo mode."""
from __future__ import annotations

import threading

from backend import sweeper
from backend.simulator import Simulator


def start(centre) -> None:
    """Start the threads; `centre.background` holds their stop events."""
    jobs = [centre.relay.run, lambda stop: sweeper.run(centre.sessions, centre.config, stop)]
    if centre.config.simulator:
        simulator = Simulator(centre.sessions, centre.locator, centre.config)
        jobs.append(simulator.run)
    for job in jobs:
        stop = threading.Event()
        threading.Thread(target=job, args=(stop,), daemon=True).start()
        centre.background.append(stop)
