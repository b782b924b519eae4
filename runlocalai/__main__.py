from runlocalai.cli import run

run()
