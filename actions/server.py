"""Start the action server with the knowledge index already loaded.

`rasa run actions` would load the model on the first question; warming up first means `/health`
answers only once the server can really answer, and no user waits for the model to load.
"""

from __future__ import annotations

import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_argument_parser, run

from actions.service import get_service


def main() -> None:
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    logging.getLogger("actions").setLevel(args.loglevel or logging.INFO)
    get_service().warm_up()
    run("actions", args.port, args.cors, auto_reload=False)


if __name__ == "__main__":
    main()
