"""`python app.py`: build or refresh the index, then serve the REST API and the chat UI.

    python app.py [--host 127.0.0.1] [--port 7860] [--corpus corpus/] [--index index/] [--model M]
                  [--encoder onnx|torch] [--reader none|DIR]
                  [--admin-token-file FILE] [--auth users.toml] [--max-upload-mb 50]
                  [--store faiss|qdrant] [--qdrant-path DIR | --qdrant-url URL]
"""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> None:
    from qa.config import DEFAULT_ENCODER, ENCODER_ENGINES

    parser = argparse.ArgumentParser(description="Archive QA: the REST API under /api and the chat UI at /.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on [127.0.0.1]")
    parser.add_argument("--port", type=int, default=7860, help="port [7860]")
    parser.add_argument("--corpus", default=None, help="folder of documents [corpus/ or $QA_CORPUS]")
    parser.add_argument("--index", default=None, help="index folder, built when missing or stale [index/ or $QA_INDEX]")
    parser.add_argument("--model", default=None, help="sentence-transformers model name or path [bundled MiniLM or $QA_MODEL]")
    parser.add_argument("--encoder", choices=ENCODER_ENGINES, default=None,
                        help="what runs the embedding model: onnx (ONNX Runtime, an export checked against PyTorch "
                             f"and cached in the index) or torch [{DEFAULT_ENCODER} or $QA_ENCODER]")
    parser.add_argument("--reader", default=None,
                        help="sentence scorer: 'none' (hand weights), a reader weights folder, or 'default' "
                             "(the shipped reader when present) [$QA_READER or default]")
    parser.add_argument("--admin-token-file", default=None,
                        help="file holding the token that uploads and removals need [or $QA_ADMIN_TOKEN; else they are off]")
    parser.add_argument("--auth", default=None,
                        help="users.toml (`qa users add NAME`): login for the chat, API tokens for /api [or $QA_AUTH; off]")
    parser.add_argument("--max-upload-mb", type=float, default=None,
                        help="largest document accepted for upload, in MB [50 or $QA_MAX_UPLOAD_MB]")
    parser.add_argument("--store", choices=["faiss", "qdrant"], default=None,
                        help="where passages are held and searched [faiss or $QA_STORE]")
    parser.add_argument("--qdrant-path", default=None,
                        help="folder for Qdrant's embedded engine [inside the index or $QA_QDRANT_PATH]")
    parser.add_argument("--qdrant-url", default=None, help="a Qdrant server for --store qdrant [$QA_QDRANT_URL]")
    args = parser.parse_args(argv)

    from qa.runtime import configure

    configure()  # before gradio is imported: no analytics, no hub; the index build uses every core
    from qa import config
    from qa.errors import QAError
    from qa.server import serve
    from qa.stores import StoreSettings

    try:
        store = StoreSettings(config.store_engine(args.store), config.qdrant_path(args.qdrant_path),
                              config.qdrant_url(args.qdrant_url))
        serve(args.corpus, args.index, host=args.host, port=args.port, model=args.model, reader=args.reader,
              admin_token_file=args.admin_token_file, auth=args.auth, max_upload_mb=args.max_upload_mb, store=store,
              encoder_engine=args.encoder)
    except QAError as exc:
        parser.exit(1, f"error: {exc}\n")


if __name__ == "__main__":
    main()
