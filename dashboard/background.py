"""Background work of a serving process: the outbox relay, following the event stream for this process's
screens, the time-limit sweeper, the job worker, renewing who is online, rechecking live connections' sign-ins,
and the simulators (reports, and the staff at work) in demo mode."""
from __future__ import annotations

import threading

from backend.cases.sweeper import Sweeper
from backend.cases.uploads import UploadCleaner
from backend.demo.simulator import Simulator
from backend.demo.staff import StaffPlayer


def start(centre) -> None:
    """Start the threads; `centre.background` holds their stop events."""
    centre.locator  # build the grid index now (a second at Zhengzhou's size), not in the first report's request
    loops = [centre.relay.run, centre.follower.run, Sweeper(centre.sessions, centre.config).run, centre.jobs.run,
             centre.presence.run, centre.connections.run, UploadCleaner(centre.sessions, centre.config).run]
    if centre.config.simulator:
        simulator = Simulator(centre.sessions, centre.locator, centre.config)
        loops.append(simulator.run)
    if centre.config.simulator_staff:
        loops.append(StaffPlayer(centre.sessions, centre.config).run)
    for loop in loops:
        stop = threading.Event()
        threading.Thread(target=loop, args=(stop,), daemon=True).start()
        centre.background.append(stop)
