/** Entry point of the Pulumi program (Pulumi.yaml `main`); the stack outputs are the program's result. */
import { program } from './pulumi-program';

export = program();
