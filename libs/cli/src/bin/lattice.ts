#!/usr/bin/env node
// `lattice`: `lattice new <name>` anywhere; in an app, the commands of the Lattice libraries it
// installed, its own, and make:* (docs/guide/cli.md).
import 'reflect-metadata';
import { runLattice } from '../lattice';

void runLattice();
